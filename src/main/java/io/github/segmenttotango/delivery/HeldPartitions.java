package io.github.segmenttotango.delivery;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The partitions of the calls topic a {@link KafkaDeliveryReader} holds, and their offsets: each
 * holding is numbered, so that a record taken in an earlier holding of a partition (before a rebalance
 * took it away and gave it back) is known not to be ours any more; a partition's offset is committed
 * only up to its first record not finished ({@link PartitionOffsets}). Its rebalance listener commits
 * what is finished of the partitions taken away and forgets the rest. Committing and the listener run
 * on the reader's thread, as Kafka wants; {@link #holds} is asked from any thread.
 */
final class HeldPartitions {

    private static final Logger LOG = LoggerFactory.getLogger(HeldPartitions.class);
    private static final long COMMIT_EVERY_NANOS = 100_000_000L;

    private final String topic;
    private final PartitionOffsets<TopicPartition> offsets = new PartitionOffsets<>();
    private final Map<TopicPartition, Integer> holdings = new ConcurrentHashMap<>();
    private final AtomicInteger holdingCount = new AtomicInteger();
    private long lastCommit;

    HeldPartitions(String topic) {
        this.topic = topic;
    }

    /** The number of the partition's current holding, null when it is not held; the record at offset is taken. */
    Integer taken(TopicPartition partition, long offset) {
        Integer holding = holdings.get(partition);
        if (holding != null) {
            offsets.taken(partition, offset);
        }
        return holding;
    }

    /** Whether the partition is still held in the holding a record was taken in. */
    boolean holds(TopicPartition partition, int holding) {
        Integer now = holdings.get(partition);
        return now != null && now == holding;
    }

    /** The record is finished: the partition's offset may move past it. */
    void finished(TopicPartition partition, long offset) {
        offsets.finished(partition, offset);
    }

    /** Commits the offsets that moved (at most every 100 ms unless {@code now}). */
    void commit(Consumer<?, ?> consumer, boolean now) {
        long at = System.nanoTime();
        if (!now && at - lastCommit < COMMIT_EVERY_NANOS) {
            return;
        }
        lastCommit = at;
        Map<TopicPartition, Long> moved = offsets.toCommit();
        moved.keySet().retainAll(holdings.keySet());
        if (moved.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        moved.forEach((partition, offset) -> commits.put(partition, new OffsetAndMetadata(offset)));
        try {
            consumer.commitSync(commits, Duration.ofSeconds(5));
            offsets.committed(moved);
        } catch (WakeupException stopping) {
            throw stopping;
        } catch (RuntimeException e) {
            LOG.debug("Committing the calls topic's offsets failed, tried again: {}", e.getMessage());
        }
    }

    /**
     * The listener to subscribe with: before partitions are taken away, {@code settle} counts what the
     * route finished, and that is committed; then they are forgotten.
     */
    ConsumerRebalanceListener rebalances(Consumer<?, ?> consumer, Runnable settle) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                settle.run();
                commit(consumer, true);
                let(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                let(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                for (TopicPartition partition : partitions) {
                    holdings.put(partition, holdingCount.incrementAndGet());
                }
                if (!partitions.isEmpty()) {
                    LOG.info("Delivering the calls of {} partition(s) of {} more", partitions.size(), topic);
                }
            }
        };
    }

    private void let(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            holdings.remove(partition);
            offsets.forget(partition);
        }
    }
}
