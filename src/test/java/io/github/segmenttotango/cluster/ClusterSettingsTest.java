package io.github.segmenttotango.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

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
        settings.put("bridge.cluster.client-properties", "");
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

    @Test
    void clientPropertiesComeFromTheirFileAndTheirValuesAreNeverShown(@TempDir Path folder) throws Exception {
        Path file = Files.writeString(folder.resolve("kafka.properties"),
                "security.protocol=SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"u\" password=\"secret-never-shown\";\n");
        Map<String, String> settings = defaults();
        settings.put("bridge.cluster.client-properties", file.toString());
        ClusterSettings read = ClusterSettings.read(settings::get);
        assertEquals("SASL_SSL", read.clientProperties().get("security.protocol"));
        assertTrue(read.clientProperties().get("sasl.jaas.config").contains("secret-never-shown"));
        assertFalse(read.toString().contains("secret-never-shown"), read.toString());

        settings.put("bridge.cluster.client-properties", folder.resolve("missing.properties").toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSettings.read(settings::get)).getMessage()
                .startsWith("bridge.cluster.client-properties (BRIDGE_CLUSTER_CLIENT_PROPERTIES) must name a readable file"));
    }
}
