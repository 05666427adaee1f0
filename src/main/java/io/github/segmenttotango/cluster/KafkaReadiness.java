package io.github.segmenttotango.cluster;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Whether Kafka can be reached: asked once a second in the background (a cluster description, with
 * a timeout), so that readiness at {@code /observe/health} and each ingest request read an answer at
 * no cost. While Kafka cannot be reached, readiness is down and ingest answers 503 with Retry-After
 * ({@code BacklogGuard}); one WARN when it goes, one INFO when it is back.
 */
public final class KafkaReadiness extends AbstractHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaReadiness.class);
    private static final long CHECK_MILLIS = 1000;

    private final Admin admin;
    private final String brokers;
    private final int timeoutMillis;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "kafka-readiness");
        thread.setDaemon(true);
        return thread;
    });
    private volatile String unreachable;

    public KafkaReadiness(Admin admin, String brokers, int timeoutMillis) {
        super("segment-totango", "kafka");
        this.admin = admin;
        this.brokers = brokers;
        this.timeoutMillis = timeoutMillis;
    }

    /** Starts the checks, the first one now. */
    public void start() {
        checks.scheduleWithFixedDelay(this::check, 0, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        checks.shutdownNow();
    }

    /** Why Kafka cannot be reached, or null while it can. */
    public String unreachable() {
        return unreachable;
    }

    private void check() {
        String was = unreachable;
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMillis)).nodes()
                    .get(timeoutMillis + 500L, TimeUnit.MILLISECONDS);
            unreachable = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            unreachable = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        if (was == null && unreachable != null) {
            LOG.warn("Kafka ({}) cannot be reached: readiness is down and ingest answers 503 until it can ({})", brokers, unreachable);
        } else if (was != null && unreachable == null) {
            LOG.info("Kafka ({}) can be reached again", brokers);
        }
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String why = unreachable;
        if (why != null) {
            builder.down().message("Kafka (" + brokers + ") cannot be reached: " + why);
            return;
        }
        builder.up();
    }
}
