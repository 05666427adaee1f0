package io.github.segmenttotango.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Creates the events and calls topics at start when they are missing, with
 * {@code bridge.cluster.partitions} partitions, {@code bridge.cluster.replication-factor} replicas
 * and {@code min.insync.replicas} (so that {@code acks=all} means that many copies). A topic that
 * exists is left as it is: several instances starting together may all try, one creates it.
 */
public final class ClusterTopics {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterTopics.class);

    private ClusterTopics() {
    }

    /** Creates the topics that are missing; waits for Kafka up to {@code waitSeconds}. */
    public static void createMissing(Admin admin, ClusterSettings settings, long waitSeconds) throws Exception {
        Set<String> existing = admin.listTopics().names().get(waitSeconds, TimeUnit.SECONDS);
        for (String topic : List.of(settings.eventsTopic(), settings.callsTopic())) {
            if (existing.contains(topic)) {
                continue;
            }
            NewTopic newTopic = new NewTopic(topic, settings.partitions(), settings.replicationFactor())
                    .configs(Map.of("min.insync.replicas", String.valueOf(settings.minInsyncReplicas())));
            try {
                admin.createTopics(List.of(newTopic)).all().get(waitSeconds, TimeUnit.SECONDS);
                LOG.info("Created the Kafka topic {}: {} partitions, {} replicas, min.insync.replicas {}", topic,
                        settings.partitions(), settings.replicationFactor(), settings.minInsyncReplicas());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
