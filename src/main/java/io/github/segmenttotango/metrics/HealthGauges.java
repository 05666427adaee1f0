package io.github.segmenttotango.metrics;

import io.github.segmenttotango.queue.DataDiskSpace;
import io.github.segmenttotango.queue.EmbeddedQueueBroker;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What an operator's alerts watch besides the traffic: the data folder's disk
 * ({@code bridge_data_disk_free_bytes}, {@code bridge_data_disk_total_bytes}), the fill of the
 * embedded queues ({@code bridge_queue_size_bytes{queue}} against {@code bridge_queue_limit_bytes{queue}},
 * and the back-pressure limit {@code bridge_backlog_limit} that {@code totango_delivery_backlog} and
 * {@code segment_requests_queued} count towards) and readiness ({@code bridge_ready}, 1 while
 * {@code /observe/health/ready} would answer 200). The {@code queue} label takes only
 * {@code events} and {@code delivery}.
 */
public final class HealthGauges implements Consumer<MeterRegistry> {

    private final CamelContext context;
    private final DataDiskSpace disk;
    private final EmbeddedQueueBroker broker;
    /** The label of each queue of the embedded broker, by its name there. */
    private final Map<String, String> queues = new LinkedHashMap<>();
    private final long maxBacklog;

    /**
     * @param eventsQueue the events queue's name on the broker
     * @param deliveryQueue the delivery queue's name on the broker, or null when it is elsewhere (Kafka, a shared broker)
     */
    public HealthGauges(CamelContext context, DataDiskSpace disk, EmbeddedQueueBroker broker, String eventsQueue,
            String deliveryQueue, long maxBacklog) {
        this.context = context;
        this.disk = disk;
        this.broker = broker;
        this.maxBacklog = maxBacklog;
        queues.put(eventsQueue, "events");
        if (deliveryQueue != null) {
            queues.put(deliveryQueue, "delivery");
        }
    }

    @Override
    public void accept(MeterRegistry registry) {
        Gauge.builder("bridge.data.disk.free", disk, d -> bytesOrNaN(d.usableBytes())).baseUnit("bytes")
                .description("Bytes the bundle may still write on the disk of its data folder").register(registry);
        Gauge.builder("bridge.data.disk.total", disk, d -> bytesOrNaN(d.totalBytes())).baseUnit("bytes")
                .description("Size of the disk of the data folder").register(registry);
        queues.forEach((name, label) -> {
            Gauge.builder("bridge.queue.size", broker, b -> b.sizeBytes(name)).baseUnit("bytes").tag("queue", label)
                    .description("Bytes of the messages waiting in an embedded queue (in memory and paged)").register(registry);
            Gauge.builder("bridge.queue.limit", broker, EmbeddedQueueBroker::maxBytes).baseUnit("bytes").tag("queue", label)
                    .description("Bytes an embedded queue pages to disk before it refuses messages (delivery.queue.max-bytes)").register(registry);
        });
        Gauge.builder("bridge.backlog.limit", () -> maxBacklog)
                .description("Waiting messages (delivery and events queues together) at which ingest answers 503 (delivery.max-backlog)")
                .register(registry);
        Gauge.builder("bridge.ready", this, HealthGauges::ready)
                .description("1 while the bundle is ready (/observe/health/ready answers 200), else 0").register(registry);
    }

    private static double bytesOrNaN(long bytes) {
        return bytes < 0 ? Double.NaN : bytes;
    }

    private double ready() {
        if (!context.isStarted()) {
            return 0;
        }
        return HealthCheckHelper.invokeReadiness(context).stream()
                .allMatch(result -> result.getState() == HealthCheck.State.UP) ? 1 : 0;
    }
}
