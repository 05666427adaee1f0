package io.github.segmenttotango.bench;

import io.github.segmenttotango.support.Scratch;
import io.github.segmenttotango.support.TestKafka;
import io.github.segmenttotango.support.TestPostgres;
import io.github.segmenttotango.util.SettingValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code BENCH_MODE=cluster make bench}: the engines of cluster mode for one bundle instance, a Kafka
 * broker (KRaft, one node: {@link TestKafka}) and a PostgreSQL ({@link TestPostgres}, its server a
 * process of its own), started in a JVM of their own, not the benchmark's: the benchmark's JVM is the
 * load generator and the Totango sink, and the engines' CPU is measured apart from both. Pinned to
 * {@code BENCH_ENGINE_CPUS} (a taskset list) when set; PostgreSQL's processes inherit it.
 * The engines are those of the cluster tests: the broker forces its log at every message
 * ({@code log.flush.interval.messages=1}; {@code BENCH_KAFKA_FLUSH=os} leaves it to the OS, Kafka's
 * default, where a deployment's durability comes from replicas on other brokers), PostgreSQL runs with
 * {@code fsync} and {@code synchronous_commit} off.
 */
final class ClusterEngines implements AutoCloseable {

    private final Process process;
    private final Path folder;
    private final Properties engines;

    private ClusterEngines(Process process, Path folder, Properties engines) {
        this.process = process;
        this.folder = folder;
        this.engines = engines;
    }

    /** Whether BENCH_MODE asks for cluster mode. */
    static boolean wanted() {
        String mode = System.getenv().getOrDefault("BENCH_MODE", "").trim();
        if (!mode.isEmpty() && !mode.equals("cluster") && !mode.equals("single")) {
            throw new IllegalArgumentException("BENCH_MODE is single (the default) or cluster, not " + mode);
        }
        return mode.equals("cluster");
    }

    /** Starts the engines' JVM and waits (at most two minutes) until both engines are up. */
    static ClusterEngines start() throws Exception {
        Path folder = Files.createTempDirectory("bench-engines");
        Path ready = folder.resolve("engines.properties");
        List<String> command = new ArrayList<>();
        String cpus = cpus();
        if (!cpus.isEmpty()) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.addAll(List.of("java", "-Xmx512m", "-cp", System.getProperty("java.class.path"), ClusterEngines.class.getName(),
                ready.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(folder.resolve("engines.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!Files.exists(ready)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("Kafka and PostgreSQL did not start; see " + folder.resolve("engines.log"));
            }
            Thread.sleep(100);
        }
        Properties engines = new Properties();
        try (var in = Files.newInputStream(ready)) {
            engines.load(in);
        }
        return new ClusterEngines(process, folder, engines);
    }

    /** Whether the broker forces its log at every message (BENCH_KAFKA_FLUSH unset or "message") or not ("os"). */
    static boolean flushEachMessage() {
        String flush = System.getenv().getOrDefault("BENCH_KAFKA_FLUSH", "message").trim();
        if (!flush.equals("message") && !flush.equals("os")) {
            throw new IllegalArgumentException("BENCH_KAFKA_FLUSH is message (the default) or os, not " + flush);
        }
        return flush.equals("message");
    }

    static String cpus() {
        return System.getenv().getOrDefault("BENCH_ENGINE_CPUS", "").trim();
    }

    /**
     * The bundle's cluster settings as environment variables: one instance, so replication 1; the
     * consumer groups' session timeout 60 s, because the bench pauses the bundle (SIGSTOP) for 20 s
     * while the baselines run, and a shorter one would take its partitions away meanwhile.
     */
    Map<String, String> bundleEnvironment() {
        Map<String, String> settings = Map.of("bridge.cluster.kafka-brokers", engines.getProperty("brokers"),
                "bridge.cluster.replication-factor", "1", "bridge.cluster.min-insync-replicas", "1",
                "bridge.cluster.session-timeout", "60s", "bridge.state.jdbc-url", engines.getProperty("jdbc-url"),
                "bridge.state.jdbc-user", engines.getProperty("jdbc-user"));
        Map<String, String> env = new HashMap<>();
        settings.forEach((key, value) -> env.put(SettingValues.environmentVariable(key), value));
        return env;
    }

    /** CPU seconds of the engines so far: their JVM and its child processes (PostgreSQL's), from /proc. */
    double cpuSeconds() {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants()).mapToDouble(ClusterEngines::processCpu).sum();
    }

    private static double processCpu(ProcessHandle handle) {
        try {
            String stat = Files.readString(Path.of("/proc/" + handle.pid() + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException ended) {
            return 0;
        }
    }

    /** Stops both engines (the JVM ends when its input closes) and deletes their files. */
    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroyForcibly();
        }
        Scratch.delete(folder);
    }

    /** The engines' JVM: starts both, writes where they are to the file given, runs until its input closes. */
    public static void main(String[] args) throws Exception {
        try (TestKafka kafka = TestKafka.start(flushEachMessage())) {
            TestPostgres.Database database = TestPostgres.newDatabase();
            Properties engines = new Properties();
            engines.setProperty("brokers", kafka.brokers());
            engines.setProperty("jdbc-url", database.url());
            engines.setProperty("jdbc-user", database.user());
            Path ready = Path.of(args[0]);
            Path written = ready.resolveSibling(ready.getFileName() + ".tmp");
            try (var out = Files.newOutputStream(written)) {
                engines.store(out, "the bench's Kafka and PostgreSQL");
            }
            Files.move(written, ready, StandardCopyOption.ATOMIC_MOVE);
            while (System.in.read() >= 0) {
                // until the bench closes our input (or ends)
            }
        }
        System.exit(0);
    }
}
