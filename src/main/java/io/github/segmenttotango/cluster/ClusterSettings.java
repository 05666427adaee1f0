package io.github.segmenttotango.cluster;

import io.github.segmenttotango.util.Durations;
import io.github.segmenttotango.util.SettingValues;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The {@code bridge.cluster.*} settings (config/application.properties, "cluster"): Kafka's brokers
 * (empty: the single process), the two topics, how they are created, and the consumer groups' name.
 */
public record ClusterSettings(String brokers, String eventsTopic, String callsTopic, int partitions, short replicationFactor,
        int minInsyncReplicas, String consumerGroup, Duration sendTimeout, Duration sessionTimeout, Map<String, String> clientProperties) {

    /** Reads and checks the settings; {@code setting} answers a key with its value or null. */
    public static ClusterSettings read(Function<String, String> setting) {
        String brokers = SettingValues.text(setting, "bridge.cluster.kafka-brokers");
        int replication = positive(setting, "bridge.cluster.replication-factor");
        if (replication > Short.MAX_VALUE) {
            throw invalid("bridge.cluster.replication-factor", "must be at most " + Short.MAX_VALUE);
        }
        int minInsync = positive(setting, "bridge.cluster.min-insync-replicas");
        if (minInsync > replication) {
            throw invalid("bridge.cluster.min-insync-replicas", "must be at most bridge.cluster.replication-factor (" + replication + ")");
        }
        return new ClusterSettings(brokers, topic(setting, "bridge.cluster.events-topic"), topic(setting, "bridge.cluster.calls-topic"),
                positive(setting, "bridge.cluster.partitions"), (short) replication, minInsync,
                topic(setting, "bridge.cluster.consumer-group"), duration(setting, "bridge.cluster.send-timeout"),
                duration(setting, "bridge.cluster.session-timeout"), clientProperties(setting, "bridge.cluster.client-properties"));
    }

    /**
     * Kafka client properties from a file (security.protocol, sasl.*, ssl.*, ...), given to every
     * client of the bundle before its own; empty when the setting is. Their values are never logged.
     */
    private static Map<String, String> clientProperties(Function<String, String> setting, String key) {
        String file = SettingValues.text(setting, key);
        if (file.isEmpty()) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | RuntimeException e) {
            throw invalid(key, "must name a readable file of Kafka client properties; " + file + " is not ("
                    + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> read = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> read.put(name, properties.getProperty(name)));
        return Collections.unmodifiableMap(read);
    }

    /** The record's text without the client properties' values (they may hold passwords). */
    @Override
    public String toString() {
        return "ClusterSettings[brokers=" + brokers + ", eventsTopic=" + eventsTopic + ", callsTopic=" + callsTopic + ", partitions="
                + partitions + ", replicationFactor=" + replicationFactor + ", minInsyncReplicas=" + minInsyncReplicas
                + ", consumerGroup=" + consumerGroup + ", clientProperties=" + clientProperties.keySet() + "]";
    }

    /** Whether the bundle runs as one of several instances on Kafka. */
    public boolean on() {
        return !brokers.isEmpty();
    }

    /** The consumer group of the routing of the events topic. */
    public String routingGroup() {
        return consumerGroup + "-routing";
    }

    /** The consumer group of the delivery of the calls topic. */
    public String deliveryGroup() {
        return consumerGroup + "-delivery";
    }

    private static String topic(Function<String, String> setting, String key) {
        String name = SettingValues.text(setting, key);
        if (!name.matches("[A-Za-z0-9._-]{1,200}")) {
            throw invalid(key, "must be 1 to 200 letters, digits, '.', '_' or '-', not '" + name + "'");
        }
        return name;
    }

    private static int positive(Function<String, String> setting, String key) {
        String value = SettingValues.text(setting, key);
        try {
            int number = Integer.parseInt(value);
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw invalid(key, "must be a positive whole number, not '" + value + "'");
    }

    private static Duration duration(Function<String, String> setting, String key) {
        try {
            return Durations.parse(key, SettingValues.text(setting, key));
        } catch (IllegalArgumentException e) {
            throw invalid(key, e.getMessage().startsWith(key) ? e.getMessage().substring(key.length()).trim() : e.getMessage());
        }
    }

    private static IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException(key + " (" + SettingValues.environmentVariable(key) + ") " + problem);
    }
}
