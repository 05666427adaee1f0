package io.github.segmenttotango.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterSettingsTest {

    private static Map<String, String> defaults() {
        Map<String, String> settings = new HashMap<>();
        settings.put("bridge.cluster.kafka-brokers", "");
        settings.put("bridge.cluster.events-topic", "segment-events");
        settings.put("bridge.cluster.calls-topic", "totango-calls");
        settings.put("bridge.cluster.partitions", "12");
        settings.put("bridge.cluster.replication-factor", "3");
        settings.put("bridge.cluster.min-insync-replicas", "2");
        settings.put("bridge.cluster.consumer-group", "segment-totango");
        settings.put("bridge.cluster.send-timeout", "10s");
        settings.put("bridge.cluster.session-timeout", "10s");
        return settings;
    }

    @Test
    void emptyBrokersIsTheSingleProcess() {
        ClusterSettings settings = ClusterSettings.read(defaults()::get);
        assertFalse(settings.on());
        assertEquals("segment-totango-routing", settings.routingGroup());
        assertEquals("segment-totango-delivery", settings.deliveryGroup());
        assertEquals(Duration.ofSeconds(10), settings.sendTimeout());
    }

    @Test
    void badValuesStopTheStartNamingTheEnvironmentVariable() {
        Map<String, String> settings = defaults();
        settings.put("bridge.cluster.kafka-brokers", "k1:9092");
        assertTrue(ClusterSettings.read(settings::get).on());

        settings.put("bridge.cluster.min-insync-replicas", "4");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSettings.read(settings::get)).getMessage()
                .startsWith("bridge.cluster.min-insync-replicas (BRIDGE_CLUSTER_MIN_INSYNC_REPLICAS) must be at most"));
        settings.put("bridge.cluster.min-insync-replicas", "2");
        settings.put("bridge.cluster.events-topic", "bad topic\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSettings.read(settings::get)).getMessage()
                .startsWith("bridge.cluster.events-topic (BRIDGE_CLUSTER_EVENTS_TOPIC) must be"));
        settings.put("bridge.cluster.events-topic", "segment-events");
        settings.put("bridge.cluster.partitions", "0");
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.read(settings::get));
        settings.put("bridge.cluster.partitions", "12");
        settings.put("bridge.cluster.send-timeout", "soon");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSettings.read(settings::get)).getMessage()
                .startsWith("bridge.cluster.send-timeout (BRIDGE_CLUSTER_SEND_TIMEOUT) must be a duration"));
    }
}
