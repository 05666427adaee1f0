package io.github.segmenttotango.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gauge {@code bridge_cluster_consumer_lag{topic}}: how many records of a topic wait behind this
 * instance's consumer, over the partitions it is assigned (the cluster's lag is the sum over the
 * instances). Measured by the consumer's own thread after each poll, from what the consumer already
 * knows (no request to Kafka). The topic label is the topic's name from the settings, never input.
 */
public final class ConsumerLag {

    private final String topic;
    private final AtomicLong lag = new AtomicLong();

    public ConsumerLag(String topic) {
        this.topic = topic;
    }

    /** Measures the lag of the consumer's assigned partitions (called on the consumer's thread). */
    public void measure(Consumer<?, ?> consumer) {
        long total = 0;
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong behind = consumer.currentLag(partition);
            if (behind.isPresent()) {
                total += behind.getAsLong();
            }
        }
        lag.set(total);
    }

    public long lag() {
        return lag.get();
    }

    /** Registers the gauge (given to BundleMetrics.alsoRegister). */
    public java.util.function.Consumer<MeterRegistry> gauge() {
        return registry -> Gauge.builder("bridge.cluster.consumer.lag", lag, AtomicLong::get)
                .description("Records of the topic waiting behind this instance's consumer (its partitions)").tag("topic", topic)
                .register(registry);
    }
}
