package io.github.segmenttotango.support;

import io.github.segmenttotango.util.SettingValues;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real Kafka broker for the cluster tests: one KRaft node (broker and controller) in the test's
 * JVM, on free ports of 127.0.0.1, its log in a scratch folder. {@link #stop()} and {@link #start()}
 * stop it and start it again on the same port and log (an outage); {@link #close()} ends it.
 * Its internal topics have one replica, so the bundle's topics are created with
 * {@code bridge.cluster.replication-factor=1} and {@code min-insync-replicas=1} ({@link #bundleSettings}).
 */
public final class TestKafka implements AutoCloseable {

    private final Path folder;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;
    /** Whether the broker forces its log to disk at every message (the tests), or leaves it to the OS as Kafka does by default. */
    private final boolean flushEachMessage;

    private TestKafka(boolean flushEachMessage) throws IOException {
        this.flushEachMessage = flushEachMessage;
        this.folder = Files.createTempDirectory("test-kafka");
        this.port = BundleProcess.freePort();
        this.controllerPort = BundleProcess.freePort();
    }

    /** Formats the log folder and starts the broker, which forces its log at every message. */
    public static TestKafka start() throws Exception {
        return start(true);
    }

    /**
     * The same, with {@code flushEachMessage} false for a broker that leaves its log to the OS to write,
     * Kafka's default, where replicas on other brokers rather than a sync make a record durable (the bench).
     */
    public static TestKafka start(boolean flushEachMessage) throws Exception {
        TestKafka kafka = new TestKafka(flushEachMessage);
        new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream())).setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString()).setDirectories(List.of(kafka.folder.toString()))
                .setReleaseVersion(MetadataVersion.latestProduction()).setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(kafka.folder.toString()).run();
        kafka.startServer();
        return kafka;
    }

    /** host:port of the broker, for bridge.cluster.kafka-brokers. */
    public String brokers() {
        return "127.0.0.1:" + port;
    }

    /** The cluster settings of a bundle on this broker (topics and consumer groups named after {@code name}). */
    public Map<String, String> bundleSettings(String name) {
        return Map.of("bridge.cluster.kafka-brokers", brokers(), "bridge.cluster.replication-factor", "1",
                "bridge.cluster.min-insync-replicas", "1", "bridge.cluster.partitions", "6",
                "bridge.cluster.events-topic", name + "-events", "bridge.cluster.calls-topic", name + "-calls",
                "bridge.cluster.consumer-group", name, "bridge.cluster.session-timeout", "6s");
    }

    /** The same as environment variables of a bundle process. */
    public Map<String, String> bundleEnvironment(String name) {
        Map<String, String> env = new HashMap<>();
        bundleSettings(name).forEach((key, value) -> env.put(SettingValues.environmentVariable(key), value));
        return env;
    }

    private void startServer() {
        Properties config = new Properties();
        config.put("process.roles", "broker,controller");
        config.put("node.id", "1");
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("log.dirs", folder.toString());
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "4");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "4");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("group.min.session.timeout.ms", "1000");
        config.put("num.network.threads", "2");
        config.put("num.io.threads", "2");
        config.put("background.threads", "2");
        if (flushEachMessage) {
            config.put("log.flush.interval.messages", "1");
        }
        config.put("auto.create.topics.enable", "false");
        server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
        server.startup();
    }

    /** Stops the broker (an outage): clients cannot reach it until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the stopped broker again, on the same port and log. */
    public synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    @Override
    public void close() {
        stop();
        Scratch.delete(folder);
    }
}
