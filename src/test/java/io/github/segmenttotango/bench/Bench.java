package io.github.segmenttotango.bench;

import io.github.segmenttotango.support.Scratch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * {@code make bench}: the bundle (real config, durable queue) against a fast local Totango sink, a
 * closed- and open-loop load generator, and two baselines under the same load ({@link BaselineServer}):
 * a bare Vert.x server that only parses JSON (the physical limit of this stack) and a durable one
 * that also forces each request to a journal before it answers (group commit). Prints a table and
 * writes bench/results/&lt;date&gt;.md. Run with argument {@code smoke} for a seconds-long check that it
 * all still works, {@code ingest} for the ingest rows and the baselines only, {@code delivery} for
 * the delivery rows only. {@code BENCH_JFR=1} records a JFR of the bundle over its ingest phases;
 * {@code BENCH_SERVER_CPUS} (a taskset list) pins the bundle and each baseline to the same cores,
 * {@code BENCH_LOAD_CPUS} the load generator. {@code BENCH_MODE=cluster} runs the bundle as one instance
 * of cluster mode on a local Kafka broker and PostgreSQL ({@link ClusterEngines}).
 */
public final class Bench {

    private static final String KEY = "bench-key";
    private static final String AUTHORIZATION = "Basic "
            + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));

    private final boolean smoke;
    /** Only the delivery rows (make bench-delivery). */
    private final boolean deliveryOnly;
    /** Only the ingest rows and the baselines (make bench-ingest). */
    private final boolean ingestOnly;
    private final Duration phase;
    /** Warm-up phases: at least the first, at most the second; it ends when three in a row agree. */
    private final int minWarmUpPhases;
    private final int maxWarmUpPhases;
    /** The closed-loop phases' connections: 8, and 32 for the rows that compare with the baselines. */
    private static final int CONNECTIONS = 8;
    private static final int MORE_CONNECTIONS = 32;
    /** Most threads of the bundle seen so far (sampled every 100 ms while it runs). */
    private final AtomicInteger mostBundleThreads = new AtomicInteger();
    /** The load generator's Vert.x, one event loop. */
    private final Vertx load = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final List<String[]> rows = new ArrayList<>();
    private final AtomicLong eventIds = new AtomicLong();
    /** BENCH_MODE=cluster: the bundle is one instance of cluster mode on these engines ({@link ClusterEngines}). */
    private final boolean cluster = ClusterEngines.wanted();
    /** When each event of the closed-loop phases was acknowledged (by number). */
    private final Timestamps ackedAt = new Timestamps();
    /** When each event of the open-loop latency phase was acknowledged (by number). */
    private final Timestamps streamAckedAt = new Timestamps();

    private Bench(boolean smoke, boolean deliveryOnly, boolean ingestOnly) {
        this.smoke = smoke;
        this.deliveryOnly = deliveryOnly;
        this.ingestOnly = ingestOnly;
        this.phase = smoke ? Duration.ofSeconds(2) : Duration.ofSeconds(15);
        this.minWarmUpPhases = smoke ? 1 : 3;
        this.maxWarmUpPhases = smoke ? 1 : 6;
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        new Bench(mode.equals("smoke"), mode.equals("delivery"), mode.equals("ingest")).run();
        System.exit(0);
    }

    private void run() throws Exception {
        Sink sink = new Sink();
        ClusterEngines engines = cluster ? ClusterEngines.start() : null;
        Path data = Files.createTempDirectory("bench-data");
        int port = freePort();
        String javaOptions = System.getProperty("bench.java-opts", "").trim();
        List<String> command = serverCommand(javaOptions);
        command.addAll(List.of("-jar", "target/segment-totango.jar"));
        row("mode", cluster ? "cluster: one instance on a Kafka broker (KRaft) and a PostgreSQL, both on this machine" : "single process",
                cluster ? "BENCH_MODE=cluster; the engines in a JVM of their own, on "
                        + (ClusterEngines.cpus().isEmpty() ? "any core (not pinned)" : "cores " + ClusterEngines.cpus()) + " (BENCH_ENGINE_CPUS);"
                        + (ClusterEngines.flushEachMessage() ? " the broker forces its log at every message" : " the broker leaves its log to the OS")
                        + " (BENCH_KAFKA_FLUSH)"
                        : "BENCH_MODE");
        row("bundle JVM options", javaOptions.isEmpty() ? "(none)" : javaOptions, "the Makefile's JAVA_OPTS and class-data archive");
        row("cores", serverCpus().isEmpty() ? "not pinned: the bundle, each baseline and the load share both"
                : "bundle and baselines on " + serverCpus() + ", the load on " + System.getenv().getOrDefault("BENCH_LOAD_CPUS", "any"),
                "BENCH_SERVER_CPUS, BENCH_LOAD_CPUS");
        pinLoad();
        row("bundle's MALLOC_ARENA_MAX", System.getenv().getOrDefault("MALLOC_ARENA_MAX", "(unset: glibc's default)"), "the Makefile's");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(data.resolve("bundle.log").toFile());
        builder.environment().putAll(Map.of("TOTANGO_SERVICE_ID", "SP-BENCH", "TOTANGO_URL", sink.url(),
                "SEGMENT_WRITE_KEYS", KEY, "BRIDGE_DATA_DIR", data.toString(), "CAMEL_SERVER_PORT", String.valueOf(port),
                "BRIDGE_LOG_LEVEL", "WARN"));
        if (engines != null) {
            builder.environment().putAll(engines.bundleEnvironment());
        }
        // experiments: BENCH_BUNDLE_X=v sets X=v for the bundle (e.g. another queue, to see what it costs)
        System.getenv().forEach((key, value) -> {
            if (key.startsWith("BENCH_BUNDLE_")) {
                builder.environment().put(key.substring("BENCH_BUNDLE_".length()), value);
                row("setting " + key.substring("BENCH_BUNDLE_".length()), value, "experiment");
            }
        });
        long launched = System.nanoTime();
        Process bundle = builder.start();
        Thread threadSampler = sampleThreads(bundle.pid());
        boolean measured = false;
        try {
            String base = "http://127.0.0.1:" + port;
            awaitHealthy(base);
            double startup = (System.nanoTime() - launched) / 1e9;
            row("start-up to ready", String.format(Locale.ROOT, "%.2f s", startup), "");
            if (deliveryOnly) {
                deliveryAtDistance(sink, base, bundle.pid());
                long rss = peakRssKb(bundle.pid());
                row("peak RSS of the bundle (delivery rows only)", rss < 0 ? "n/a" : (rss / 1024) + " MB", "");
                measured = true;
                return;
            }

            if (ingestOnly) {
                ingestPhases(base, bundle.pid(), javaOptions);
                long rss = peakRssKb(bundle.pid());
                row("peak RSS of the bundle (ingest rows only)", rss < 0 ? "n/a" : (rss / 1024) + " MB", "");
                row("most threads of the bundle", String.valueOf(mostBundleThreads.get()), "from /proc, sampled every 100 ms over the run");
                measured = true;
                return;
            }

            // a client sending 1,000 single events a second to a bundle that keeps up with them, as in
            // service most of the time: first unmeasured, so that the JIT has compiled the path of a
            // request (on both sides), then measured, with each event's way on to Totango
            Duration steadyWarmUp = smoke ? Duration.ofSeconds(1) : Duration.ofSeconds(30);
            HttpClient steadyClient = openLoopClient(base);
            latency(steadyClient, 1000, steadyWarmUp, new Timestamps());
            long[] steady = latency(steadyClient, 1000, phase, streamAckedAt);
            steadyClient.close();
            row("ack latency at 1000 requests/s (open loop), steady", percentiles(steady, 0),
                    steady.length + " requests, after " + steadyWarmUp.toSeconds() + " s at that rate; the bundle keeps up, nothing is queued ahead");
            deliveryOfTheStream(sink);

            ingestPhases(base, bundle.pid(), javaOptions);
            double[] cpuAfter = cpuSeconds(bundle.pid());
            // the backlog of the ingest phases drains first, for 45 s at most; the latency after it is
            // that of a bundle working off what is left behind its answers, or of a drained one (the row says which)
            long undelivered = drain(sink, System.nanoTime(), bundle.pid(), cpuAfter);
            HttpClient behindClient = openLoopClient(base);
            long[] behind = latency(behindClient, 1000, phase, new Timestamps());
            behindClient.close();
            String state = undelivered == 0 ? "on a drained bundle" : "while " + undelivered + " events of the phases wait for delivery";
            row("ack latency at 1000 requests/s (open loop), after the phases", percentiles(behind, 0),
                    behind.length + " requests, " + state);
            // the client starts with no connection: in the first second it opens them under load
            row("the same, from the second second on", percentiles(behind, Math.min(1000, behind.length - 1)),
                    "without the first second, in which the client opens its connections");

            deliveryAtDistance(sink, base, bundle.pid());
            long rss = peakRssKb(bundle.pid());
            row("peak RSS of the bundle", rss < 0 ? "n/a" : (rss / 1024) + " MB", "");
            row("most threads of the bundle", String.valueOf(mostBundleThreads.get()), "from /proc, sampled every 100 ms over the run");
            measured = true;
        } finally {
            threadSampler.interrupt();
            if (engines != null && measured) {
                double[] bundleCpu = cpuSeconds(bundle.pid());
                row("CPU of Kafka and PostgreSQL over the run", String.format(Locale.ROOT, "%.0f s (the bundle: %s)", engines.cpuSeconds(),
                        bundleCpu == null ? "n/a" : String.format(Locale.ROOT, "%.0f s", bundleCpu[0])),
                        "from /proc: on this machine, where a deployment has them on machines of their own");
            }
            bundle.destroy();
            bundle.waitFor(60, TimeUnit.SECONDS);
            sink.close();
            if (engines != null) {
                engines.close();
            }
            if (measured) {
                // the queue journal of a run is hundreds of megabytes: not left behind in /tmp
                Scratch.delete(data);
            } else {
                System.out.println("The bundle's log and data are kept in " + data);
            }
            // here, so that the runs of bench-ingest and bench-delivery, which return early, are written too
            if (measured) {
                report();
            }
        }
    }

    // ---------------------------------------------------------------- measurements

    /**
     * The JIT compiles the bundle's hot paths under load for minutes on 2 cores (its C2 compiler
     * took over 100 s of CPU in the first two minutes): until then the figures say more about the
     * compiler than about the bundle. Batches of 10 are sent in phases until three phases in a row
     * agree within 10% (two were not enough: the rise pauses for a phase at times), so the measures
     * below run on a warm bundle, as a service runs most of its life. The warm-up's own figures are
     * reported, not counted.
     */
    private void warmUp(String base) throws Exception {
        List<String> curve = new ArrayList<>();
        double previous = 0;
        int agreeing = 0;
        int phases = 0;
        do {
            double rate = ingest(base, 10, "bundle", phase, false, CONNECTIONS);
            agreeing = Math.abs(rate - previous) <= 0.1 * previous ? agreeing + 1 : 0;
            previous = rate;
            curve.add(String.format(Locale.ROOT, "%,.0f", rate));
            phases++;
        } while (phases < minWarmUpPhases || (phases < maxWarmUpPhases && agreeing < 2));
        boolean steady = agreeing >= 2;
        row("warm-up, batches of 10, phase after phase", String.join(" → ", curve) + " events/s",
                (steady ? "steady" : "not steady yet") + " after " + phases * phase.toSeconds() + " s; not counted below");
    }

    /** A closed-loop load: requests of {@code batchSize} events over {@code connections} connections. */
    private record Load(int batchSize, int connections, boolean cpuByGroup) {
        String name() {
            return (batchSize == 1 ? "single /v1/track" : "batches of " + batchSize) + ", " + connections + " connections";
        }
    }

    /** A baseline server, a process of its own. */
    private record Baseline(String kind, Process process, String url, Path journal) {
    }

    /**
     * The closed-loop ingest phases, after the warm-up, each load on the bundle and then on each
     * baseline right after it, so that the ratios compare phases seconds apart on a machine whose
     * other work changes by the minute: batches of 10 with 8 and 32 connections, batches of 100,
     * single {@code /v1/track} with 8 and 32 (with the CPU a request costs, by thread group, for some).
     * While a baseline is measured the bundle is paused (SIGSTOP: its routing and delivery of what it
     * just took would take the baseline's cores), and resumed for its next phase. The baselines run as
     * processes of their own with the bundle's JVM options (without its class-data archive) and cores.
     * A JFR recording of the bundle over its phases with {@code BENCH_JFR=1}.
     */
    private void ingestPhases(String base, long pid, String javaOptions) throws Exception {
        warmUp(base);
        List<Baseline> baselines = new ArrayList<>();
        try {
            signal(pid, "STOP");
            for (String kind : List.of("durable", "bare")) {
                baselines.add(startBaseline(kind, javaOptions));
            }
            for (Baseline baseline : baselines) {
                ingest(baseline.url(), 10, kind(baseline), Duration.ofSeconds(smoke ? 1 : 5), false, MORE_CONNECTIONS);
            }
            signal(pid, "CONT");
            boolean jfr = "1".equals(System.getenv("BENCH_JFR"));
            Path recording = Path.of("target", "bench-ingest-" + LocalDateTime.now().withNano(0).toString().replace(':', '-') + ".jfr")
                    .toAbsolutePath();
            if (jfr) {
                jcmd(pid, "JFR.start", "name=ingest", "settings=profile", "filename=" + recording);
            }
            List<String> drainedBefore = new ArrayList<>();
            double bundleCpu = 0;
            double compiler = 0;
            double bundleWall = 0;
            List<String[]> ratios = new ArrayList<>();
            for (Load load : List.of(new Load(10, CONNECTIONS, true), new Load(10, MORE_CONNECTIONS, true),
                    new Load(100, CONNECTIONS, false), new Load(1, CONNECTIONS, true), new Load(1, MORE_CONNECTIONS, false))) {
                double idle = awaitIdle(base);
                drainedBefore.add(idle < 0 ? "not drained in 4 min" : String.format(Locale.ROOT, "%.0f s", idle));
                double[] before = cpuSeconds(pid);
                long started = System.nanoTime();
                double bundle = ingestOf(base, "bundle", pid, load, phase);
                double[] after = cpuSeconds(pid);
                bundleWall += (System.nanoTime() - started) / 1e9;
                if (before != null && after != null) {
                    bundleCpu += after[0] - before[0];
                    compiler += after[1] - before[1];
                }
                signal(pid, "STOP");
                try {
                    for (Baseline baseline : baselines) {
                        double rate = ingestOf(baseline.url(), kind(baseline), baseline.process().pid(), load, baselinePhase());
                        ratios.add(new String[] {"ingest ratio bundle / " + kind(baseline) + ", " + load.name(),
                                String.format(Locale.ROOT, "%.3f", bundle / rate),
                                String.format(Locale.ROOT, "%,.0f / %,.0f events/s%s", bundle, rate,
                                        baseline.kind().equals("durable") ? "; target ≥ 0.35" : "")});
                    }
                } finally {
                    signal(pid, "CONT");
                }
            }
            if (jfr) {
                jcmd(pid, "JFR.stop", "name=ingest");
                row("JFR recording of the bundle's ingest phases", recording.toString(), "BENCH_JFR=1");
            }
            row("wait before each phase for the bundle to route and deliver the one before", String.join(", ", drainedBefore),
                    "each phase a burst on a bundle that has caught up (the wait is not measured)"
                            + (slowScrapes.isEmpty() ? "" : "; /observe/metrics answered slowly meanwhile: " + String.join(", ", slowScrapes)));
            row("CPU of the bundle during its ingest phases", String.format(Locale.ROOT,
                    "%.0f s in %.0f s; the JIT compiler %.0f s of it (%.0f%%)", bundleCpu, bundleWall,
                    compiler, 100 * compiler / Math.max(0.001, bundleCpu)),
                    "from /proc: CPU the JIT still takes after the warm-up is not the bundle's own work");
            for (String[] ratio : ratios) {
                row(ratio[0], ratio[1], ratio[2]);
            }
        } finally {
            signal(pid, "CONT");
            for (Baseline baseline : baselines) {
                baseline.process().destroy();
                baseline.process().waitFor(30, TimeUnit.SECONDS);
                Scratch.delete(baseline.journal());
            }
        }
    }

    private static String kind(Baseline baseline) {
        return baseline.kind() + " baseline";
    }

    /**
     * A closed-loop phase of the bundle or a baseline; with the load's {@code cpuByGroup}, the CPU a
     * request took, by thread group. The bundle's includes the routing and delivery of what it took,
     * which run meanwhile, behind ingest.
     */
    private double ingestOf(String base, String who, long pid, Load load, Duration length) throws Exception {
        Map<String, Double> before = load.cpuByGroup() ? cpuByGroup(pid) : null;
        long started = System.nanoTime();
        double rate = ingest(base, load.batchSize(), who, length, true, load.connections());
        double requests = rate * (System.nanoTime() - started) / 1e9 / load.batchSize();
        Map<String, Double> after = load.cpuByGroup() ? cpuByGroup(pid) : null;
        if (before != null && after != null && requests > 0) {
            double all = 0;
            List<Map.Entry<String, Double>> spent = new ArrayList<>();
            for (var entry : after.entrySet()) {
                double seconds = entry.getValue() - before.getOrDefault(entry.getKey(), 0.0);
                all += seconds;
                if (seconds > 0) {
                    spent.add(Map.entry(entry.getKey(), seconds));
                }
            }
            spent.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
            List<String> groups = new ArrayList<>();
            for (var entry : spent.subList(0, Math.min(7, spent.size()))) {
                groups.add(String.format(Locale.ROOT, "%s %.0f", entry.getKey(), entry.getValue() * 1e6 / requests));
            }
            row("CPU per request, " + who + ", " + load.name(), String.format(Locale.ROOT, "%.0f µs", all * 1e6 / requests),
                    "by thread group (µs): " + String.join(", ", groups) + "; from /proc");
        }
        return rate;
    }

    private Duration baselinePhase() {
        // the baselines are steady within seconds: shorter phases keep the bench within minutes
        return smoke ? phase : Duration.ofSeconds(10);
    }

    /** Starts a baseline ({@link BaselineServer}) with the bundle's JVM options, without its class-data archive. */
    private Baseline startBaseline(String kind, String javaOptions) throws Exception {
        Path journal = Files.createTempDirectory("bench-baseline");
        int port = freePort();
        String options = javaOptions.replaceAll("-XX:SharedArchiveFile=\\S+", "").trim();
        List<String> command = serverCommand(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineServer.class.getName(), kind,
                String.valueOf(port), journal.toString()));
        Process server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(journal.resolve("server.log").toFile()).start();
        Baseline baseline = new Baseline(kind, server, "http://127.0.0.1:" + port, journal);
        awaitListening(baseline.url());
        return baseline;
    }

    /** Pauses (STOP) or resumes (CONT) a process. */
    private static void signal(long pid, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** Waits (at most 30 s) until a baseline answers. */
    private void awaitListening(String url) throws Exception {
        URI uri = URI.create(url);
        HttpClient client = load.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    post(client, "/v1/batch", body(10, new long[10])).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | TimeoutException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the baseline " + url + " did not start");
                    }
                    Thread.sleep(50);
                }
            }
        } finally {
            client.close();
        }
    }

    /** {@code java} and the options, behind {@code taskset -c BENCH_SERVER_CPUS} when that is set. */
    private static List<String> serverCommand(String javaOptions) {
        List<String> command = new ArrayList<>();
        if (!serverCpus().isEmpty()) {
            command.addAll(List.of("taskset", "-c", serverCpus()));
        }
        command.add("java");
        if (!javaOptions.isEmpty()) {
            command.addAll(List.of(javaOptions.split("\\s+")));
        }
        return command;
    }

    private static String serverCpus() {
        return System.getenv().getOrDefault("BENCH_SERVER_CPUS", "").trim();
    }

    /** Pins the benchmark's own threads (the load and the sink) to BENCH_LOAD_CPUS, when set. */
    private static void pinLoad() throws Exception {
        String cpus = System.getenv().getOrDefault("BENCH_LOAD_CPUS", "").trim();
        if (!cpus.isEmpty()) {
            new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, String.valueOf(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }

    private static void jcmd(long pid, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("jcmd", String.valueOf(pid)));
        command.addAll(List.of(arguments));
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** Samples the bundle's threads every 100 ms into {@link #mostBundleThreads}, until interrupted. */
    private Thread sampleThreads(long pid) {
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                mostBundleThreads.accumulateAndGet(threads(pid), Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-thread-sampler");
        sampler.setDaemon(true);
        sampler.start();
        return sampler;
    }

    /**
     * CPU seconds of a process so far by thread group: the thread's name without its digits
     * ("vert.x-worker-thread-", "GC Thread#"), as /proc gives it (15 characters); null where /proc cannot tell.
     */
    private static Map<String, Double> cpuByGroup(long pid) {
        Map<String, Double> groups = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+", "#");
                    groups.merge(name, seconds, Double::sum);
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return groups;
    }

    /**
     * Closed loop: {@code connections} clients send batches back to back for {@code length};
     * acknowledged events/s. The load comes from a Vert.x client on one event loop, so that the
     * generator takes as little of the machine as it can (the bundle and the baselines get the same).
     */
    private double ingest(String base, int batchSize, String who, Duration length, boolean report, int connections) throws Exception {
        AtomicLong events = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        URI uri = URI.create(base);
        String path = batchSize == 1 ? "/v1/track" : "/v1/batch";
        HttpClient client = load.createHttpClient(new HttpClientOptions().setMaxPoolSize(connections).setKeepAlive(true)
                .setTcpNoDelay(true).setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()));
        long end = System.nanoTime() + length.toNanos();
        CountDownLatch finished = new CountDownLatch(connections);
        long started = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            load.runOnContext(nothing -> sendUntil(client, path, batchSize, who, end, events, failures, finished));
        }
        finished.await(length.toSeconds() + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        client.close();
        double rate = events.get() / seconds;
        if (report) {
            row("ingest " + who + ", " + (batchSize == 1 ? "single /v1/track" : "batches of " + batchSize) + ", "
                    + connections + " connections", String.format(Locale.ROOT, "%,.0f events/s", rate),
                    failures.get() == 0 ? "" : failures.get() + " failed requests");
        }
        return rate;
    }

    private void sendUntil(HttpClient client, String path, int batchSize, String who, long end, AtomicLong events,
            AtomicLong failures, CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        long[] ids = new long[batchSize];
        String body = body(batchSize, ids);
        post(client, path, body).onComplete(answer -> {
            if (answer.succeeded() && answer.result() == 200) {
                events.addAndGet(batchSize);
                if (who.equals("bundle")) {
                    long now = System.nanoTime();
                    for (long id : ids) {
                        ackedAt.putIfAbsent(id, now);
                    }
                }
            } else {
                failures.incrementAndGet();
            }
            sendUntil(client, path, batchSize, who, end, events, failures, finished);
        });
    }

    /**
     * Open loop: requests scheduled at a fixed rate for {@code length}, latency from the scheduled
     * time (no coordinated omission); each acknowledged event's time goes to {@code acked}. Returns
     * the latencies in nanoseconds by request, in the order they were due; -1 for a request not
     * answered within a minute after the last was due.
     */
    private long[] latency(HttpClient client, int perSecond, Duration length, Timestamps acked) throws Exception {
        int total = (int) (perSecond * length.toSeconds());
        long[] latencies = new long[total];
        Arrays.fill(latencies, -1);
        CountDownLatch done = new CountDownLatch(total);
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(1);
        long start = System.nanoTime() + 50_000_000;
        long interval = 1_000_000_000L / perSecond;
        for (int i = 0; i < total; i++) {
            int request = i;
            long due = start + i * interval;
            clock.schedule(() -> load.runOnContext(nothing -> {
                long[] ids = new long[1];
                post(client, "/v1/track", body(1, ids)).onComplete(answer -> {
                    long now = System.nanoTime();
                    latencies[request] = now - due;
                    if (answer.succeeded() && answer.result() == 200) {
                        acked.putIfAbsent(ids[0], now);
                    }
                    done.countDown();
                });
            }), due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        done.await(length.toSeconds() + 60, TimeUnit.SECONDS);
        clock.shutdown();
        return latencies;
    }

    /** The open-loop client: up to 256 connections, opened as the load needs them. */
    private HttpClient openLoopClient(String base) {
        URI uri = URI.create(base);
        return load.createHttpClient(new HttpClientOptions().setMaxPoolSize(256).setKeepAlive(true)
                .setTcpNoDelay(true).setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()));
    }

    private static String percentiles(long[] latencies, int from) {
        List<Long> sorted = new ArrayList<>(latencies.length - from);
        for (int i = from; i < latencies.length; i++) {
            if (latencies[i] >= 0) {
                sorted.add(latencies[i]);
            }
        }
        Collections.sort(sorted);
        int unanswered = latencies.length - from - sorted.size();
        return String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, p999 %.2f ms",
                percentile(sorted, 0.50), percentile(sorted, 0.99), percentile(sorted, 0.999))
                + (unanswered == 0 ? "" : ", " + unanswered + " not answered");
    }

    /** POSTs a body with the write key; completes with the status. */
    private static Future<Integer> post(HttpClient client, String path, String body) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
                .putHeader("Content-Type", "application/json").putHeader("Authorization", AUTHORIZATION)
                .setTimeout(30_000);
        return client.request(request).compose(sent -> sent.send(body))
                .compose(answer -> answer.body().map(ignored -> answer.statusCode()));
    }

    /**
     * Waits (at most 45 s) for the events of the closed-loop phases to reach the sink: calls/s over
     * the phases and the drain (from the first call to the last), the rate of the drain alone (ingest
     * stopped), and acknowledgement-to-delivery latency of those events, which queued behind the
     * backlog the phases built. Routing and delivery run behind ingest, so the phases can leave more
     * than a minute's delivery behind: the events not delivered by then.
     */
    private long drain(Sink sink, long ingestEnded, long pid, double[] cpuAtIngestEnd) throws Exception {
        long expected = ackedAt.count();
        Duration longest = Duration.ofSeconds(smoke ? 20 : 45);
        awaitArrivals(sink, ackedAt, longest);
        double[] cpuAtDrainEnd = cpuSeconds(pid);
        List<Long> arrivals = new ArrayList<>();
        ackedAt.ids().map(sink.arrivals::get).filter(at -> at != Timestamps.NONE).forEach(arrivals::add);
        Collections.sort(arrivals);
        double span = arrivals.size() < 2 ? 1 : (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1e9;
        row("end to end: Totango calls delivered, closed-loop phases and drain", String.format(Locale.ROOT, "%,.0f calls/s", arrivals.size() / span),
                arrivals.size() + " of " + expected + " acknowledged events delivered"
                        + (arrivals.size() < expected ? " (the rest did not arrive within " + longest.toSeconds() + " s)" : ""));
        List<Long> afterIngest = arrivals.stream().filter(at -> at > ingestEnded).toList();
        if (afterIngest.size() > 1) {
            double drained = (afterIngest.get(afterIngest.size() - 1) - ingestEnded) / 1e9;
            row("end to end: drain of the backlog, ingest stopped", String.format(Locale.ROOT, "%,.0f calls/s", afterIngest.size() / drained),
                    String.format(Locale.ROOT, "%d calls in %.1f s", afterIngest.size(), drained));
            if (cpuAtIngestEnd != null && cpuAtDrainEnd != null) {
                double perCall = 1e6 / afterIngest.size();
                row("CPU of the bundle per call delivered in the drain", String.format(Locale.ROOT,
                        "%.0f µs; garbage collection %.0f µs of it, the JIT compiler %.0f µs",
                        (cpuAtDrainEnd[0] - cpuAtIngestEnd[0]) * perCall, (cpuAtDrainEnd[2] - cpuAtIngestEnd[2]) * perCall,
                        (cpuAtDrainEnd[1] - cpuAtIngestEnd[1]) * perCall),
                        "from /proc, from the end of ingest to the last call of the drain");
            }
        }
        row("acknowledgement to delivery, closed-loop phases", delays(sink, ackedAt), "of those delivered; queued behind the backlog the phases built");
        return expected - arrivals.size();
    }

    /**
     * Delivery at internet distance: a backlog of {@code 2 x users} calls ({@code users} users, two
     * tracks each) queued at once, delivered to the sink answering each call after 0, 50 and 150 ms
     * (a timer, on its one event loop). Calls/s from the first call's arrival to the last's; the
     * bundle's threads and RSS sampled meanwhile. A first round at 0 ms, not reported, warms it up.
     */
    private void deliveryAtDistance(Sink sink, String base, long pid) throws Exception {
        int users = smoke ? 500 : 10_000;
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        int mostThreads = 0;
        for (long delay : new long[] {0, 0, 50, 150}) {
            boolean warmUp = mostThreads == 0;
            sink.answerAfter(delay);
            sink.distanceCalls.set(0);
            int round = DISTANCE_ROUNDS.incrementAndGet();
            long expected = 2L * users;
            // the backlog goes in at once: requests of 100 events, 8 at a time
            List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> sent = new ArrayList<>();
            java.util.concurrent.Semaphore eight = new java.util.concurrent.Semaphore(8);
            for (int first = 0; first < users; first += 50) {
                StringBuilder batch = new StringBuilder("{\"batch\":[");
                for (int user = first; user < Math.min(users, first + 50); user++) {
                    for (int step = 0; step < 2; step++) {
                        batch.append(batch.length() > 10 ? "," : "").append("{\"type\":\"track\",\"userId\":\"r").append(round)
                                .append("-u").append(user).append("\",\"event\":\"d").append(step)
                                .append("\",\"context\":{\"groupId\":\"g").append(user % 100).append("\"}}");
                    }
                }
                eight.acquire();
                sent.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(URI.create(base + "/v1/batch"))
                        .header("Authorization", AUTHORIZATION).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(batch.append("]}").toString())).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).whenComplete((answer, failure) -> eight.release()));
            }
            for (var answer : sent) {
                if (answer.get().statusCode() != 200) {
                    throw new IllegalStateException("the backlog was not taken: " + answer.get().statusCode() + " " + answer.get().body());
                }
            }
            long queued = System.nanoTime();
            long deliveredWhileQueueing = sink.distanceCalls.get();
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (sink.distanceCalls.get() < expected && System.nanoTime() < deadline) {
                mostThreads = Math.max(mostThreads, threads(pid));
                Thread.sleep(100);
            }
            mostThreads = Math.max(mostThreads, threads(pid));
            double seconds = (sink.lastDistanceCall - queued) / 1e9;
            long after = sink.distanceCalls.get() - deliveredWhileQueueing;
            if (!warmUp || delay != 0) {
                row("delivery of a backlog of " + expected + " calls of " + users + " users, Totango answering after " + delay + " ms",
                        String.format(Locale.ROOT, "%,.0f calls/s", after / Math.max(0.001, seconds)),
                        String.format(Locale.ROOT, "%d calls in %.1f s once the backlog was queued (%d delivered while it was); %d of %d"
                                + " in all, %.1f s from the first to the last; default settings", after, seconds, deliveredWhileQueueing,
                                sink.distanceCalls.get(), expected, (sink.lastDistanceCall - sink.firstDistanceCall) / 1e9));
            }
        }
        row("most threads of the bundle during the delivery rows", String.valueOf(mostThreads), "from /proc, sampled every 100 ms");
        sink.answerAfter(0);
    }

    private static final AtomicInteger DISTANCE_ROUNDS = new AtomicInteger();

    /** The threads of a process now (from /proc); 0 when it cannot tell. */
    private static int threads(long pid) {
        return (int) Math.max(0, status(pid, "Threads:"));
    }

    /**
     * Waits (at most 30 s) for the events of the steady latency phase; their acknowledgement-to-delivery
     * latency.
     */
    private void deliveryOfTheStream(Sink sink) throws Exception {
        awaitArrivals(sink, streamAckedAt, Duration.ofSeconds(smoke ? 10 : 30));
        long delivered = streamAckedAt.ids().filter(id -> sink.arrivals.get(id) != Timestamps.NONE).count();
        row("acknowledgement to delivery at 1000 requests/s, steady", delays(sink, streamAckedAt),
                delivered + " of " + streamAckedAt.count() + " acknowledged events delivered");
    }

    /** Waits until every acknowledged event reached the sink, or {@code longest} passed. */
    private static void awaitArrivals(Sink sink, Timestamps acked, Duration longest) throws InterruptedException {
        long deadline = System.nanoTime() + longest.toNanos();
        while (acked.ids().anyMatch(id -> sink.arrivals.get(id) == Timestamps.NONE) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static String delays(Sink sink, Timestamps acked) {
        List<Long> delays = new ArrayList<>();
        acked.ids().forEach(id -> {
            long arrived = sink.arrivals.get(id);
            if (arrived != Timestamps.NONE) {
                delays.add(Math.max(0, arrived - acked.get(id)));
            }
        });
        Collections.sort(delays);
        return String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms", percentile(delays, 0.50), percentile(delays, 0.99));
    }

    // ---------------------------------------------------------------- pieces

    /**
     * Events as Segment's libraries send them: the messageId a random UUID (the dedup table's keys
     * are then scattered, as in service); the event name carries the number the sink counts by.
     */
    private String body(int batchSize, long[] ids) {
        StringBuilder body = new StringBuilder(batchSize * 160 + 16);
        if (batchSize > 1) {
            body.append("{\"batch\":[");
        }
        for (int i = 0; i < batchSize; i++) {
            ids[i] = eventIds.incrementAndGet();
            String id = "e" + ids[i];
            body.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u").append(id.hashCode() % 500)
                    .append("\",\"event\":\"").append(id).append("\",\"messageId\":\"")
                    .append(new UUID(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong()))
                    .append("\",\"properties\":{\"category\":\"Bench\",\"plan\":\"pro\"},\"context\":{\"groupId\":\"g1\"}}");
        }
        if (batchSize > 1) {
            body.append("]}");
        }
        return body.toString();
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    /**
     * Waits (4 minutes at most: a phase of batches of 100 leaves about a million calls) until the
     * bundle has routed and delivered all it took: its events
     * queue and delivery queue empty, no call in flight (its /observe/metrics). Each measured ingest
     * phase starts so, as a burst starts on a bundle that keeps up: while a burst keeps the CPU busy,
     * routing and delivery wait (ingest.defer-routing), so a phase started behind the backlog of the
     * one before would measure that backlog's routing as well. Returns the seconds it took.
     */
    private double awaitIdle(String base) throws Exception {
        URI uri = URI.create(base);
        HttpClient client = load.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
                .setDefaultPort(uri.getPort()));
        long started = System.nanoTime();
        try {
            long deadline = started + Duration.ofSeconds(smoke ? 20 : 240).toNanos();
            while (System.nanoTime() < deadline) {
                long asked = System.nanoTime();
                String metrics;
                try {
                    metrics = client.request(HttpMethod.GET, "/observe/metrics").compose(request -> request.send())
                            .compose(answer -> answer.body().map(Object::toString))
                            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException unanswered) {
                    slowScrapes.add(String.format(Locale.ROOT, "none in %.0f s (%s)", (System.nanoTime() - asked) / 1e9, unanswered));
                    continue;
                }
                double took = (System.nanoTime() - asked) / 1e9;
                if (took > 1) {
                    slowScrapes.add(String.format(Locale.ROOT, "%.1f s", took));
                }
                if (gauge(metrics, "segment_requests_queued") == 0 && gauge(metrics, "totango_delivery_backlog") == 0
                        && gauge(metrics, "totango_calls_in_flight") == 0) {
                    return (System.nanoTime() - started) / 1e9;
                }
                Thread.sleep(200);
            }
            return -1;
        } finally {
            client.close();
        }
    }

    /** /observe/metrics answers that took over a second while the bench waited for the bundle to catch up. */
    private final List<String> slowScrapes = new ArrayList<>();

    /** A gauge's value in Prometheus' text format; -1 when it is not there. */
    private static double gauge(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    private void awaitHealthy(String base) throws Exception {
        URI uri = URI.create(base);
        HttpClient client = load.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
                .setDefaultPort(uri.getPort()));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    int status = client.request(HttpMethod.GET, "/observe/health").compose(request -> request.send())
                            .compose(answer -> answer.body().map(ignored -> answer.statusCode()))
                            .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                    if (status == 200) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // starting
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("the bundle did not start");
        } finally {
            client.close();
        }
    }

    /**
     * CPU seconds of a process so far: all its threads, its JIT compiler threads, and its garbage
     * collector's threads (from /proc, so Linux only); null where /proc cannot tell.
     */
    private static double[] cpuSeconds(long pid) {
        double ticksPerSecond = 100; // USER_HZ, 100 on Linux
        double all = 0;
        double compiler = 0;
        double collector = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // the fields after the thread's name, which is in parentheses and may hold spaces
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / ticksPerSecond;
                    all += seconds;
                    String name = Files.readString(task.resolve("comm"));
                    if (name.contains("CompilerThre")) {
                        compiler += seconds;
                    } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
                        collector += seconds;
                    }
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return new double[] {all, compiler, collector};
    }

    private static long peakRssKb(long pid) {
        return status(pid, "VmHWM:");
    }

    /** The number on a line of /proc/&lt;pid&gt;/status ("Threads:", "VmHWM:" in kB); -1 when it cannot tell. */
    private static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The machine's load average (1, 5, 15 minutes), from /proc: other work shares the cores. */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private void row(String what, String figure, String note) {
        rows.add(new String[] {what, figure, note});
        System.out.printf(Locale.ROOT, "%-55s %-45s %s%n", what, figure, note);
    }

    private void report() throws IOException {
        String machine = Runtime.getRuntime().availableProcessors() + " cores, JDK " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + "), " + System.getProperty("os.name") + " " + System.getProperty("os.arch");
        StringBuilder md = new StringBuilder("# segment-totango benchmark" + (smoke ? " (smoke)" : "")
                + (cluster ? ", cluster mode (one instance)" : ", single process") + "\n\n");
        md.append("Machine: ").append(machine).append(". Date: ").append(LocalDateTime.now().withNano(0)).append(".\n\n");
        md.append("Phases of ").append(phase.toSeconds()).append(smoke ? " s" : " s (baselines: 10 s)")
                .append("; the bundle with its real config and durable queue, a local sink for Totango.")
                .append(" Load average at the end: ").append(loadAverage()).append(".\n\n");
        md.append("| measure | figure | note |\n|---|---|---|\n");
        for (String[] row : rows) {
            md.append("| ").append(row[0]).append(" | ").append(row[1]).append(" | ").append(row[2]).append(" |\n");
        }
        Path results = Path.of("bench", "results");
        Files.createDirectories(results);
        Path file = results.resolve((smoke ? "smoke-" : "") + (cluster ? "cluster-" : "") + LocalDateTime.now().withNano(0).toString().replace(':', '-') + ".md");
        Files.writeString(file, md);
        System.out.println("\nMachine: " + machine + "\nWritten to " + file);
    }

    /**
     * A time (System.nanoTime) per event number, in chunks of plain long arrays. Maps of a million
     * boxed entries made the benchmark's own young collections take up to 120 ms, and it is the
     * benchmark's JVM that sends the open-loop load and stands in for Totango: its pauses counted as
     * the bundle's latency.
     */
    static final class Timestamps {
        static final long NONE = Long.MIN_VALUE;
        private static final int CHUNK = 1 << 20;
        private static final long ORIGIN = System.nanoTime();
        private final AtomicReferenceArray<AtomicLongArray> chunks = new AtomicReferenceArray<>(1 << 12);
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong highest = new AtomicLong();

        /** Keeps the first time given for an event. */
        void putIfAbsent(long id, long nanos) {
            int index = (int) (id / CHUNK);
            AtomicLongArray chunk = chunks.get(index);
            if (chunk == null) {
                chunks.compareAndSet(index, null, new AtomicLongArray(CHUNK));
                chunk = chunks.get(index);
            }
            // stored as the time since ORIGIN plus one, so that 0 means none
            if (chunk.compareAndSet((int) (id % CHUNK), 0, nanos - ORIGIN + 1)) {
                count.incrementAndGet();
                highest.accumulateAndGet(id, Math::max);
            }
        }

        /** The time of an event, or {@link #NONE}. */
        long get(long id) {
            AtomicLongArray chunk = chunks.get((int) (id / CHUNK));
            long stored = chunk == null ? 0 : chunk.get((int) (id % CHUNK));
            return stored == 0 ? NONE : stored - 1 + ORIGIN;
        }

        long count() {
            return count.get();
        }

        /** The events that have a time. */
        LongStream ids() {
            return LongStream.rangeClosed(0, highest.get()).filter(id -> get(id) != NONE);
        }
    }

    /**
     * The stand-in for Totango: answers every call at once and records when each event's call came.
     * A Vert.x server on one event loop: it shares the 2 cores with the bundle, so it must cost little
     * (about 17 µs of CPU a call here, where the JDK's HttpServer took about 97 µs).
     */
    static final class Sink implements AutoCloseable {
        /** The bench's event names: "e" and the event's number. */
        private static final Pattern EVENT_NUMBER = Pattern.compile("e[0-9]{1,18}");
        /** When the call of each event (by number) came. */
        final Timestamps arrivals = new Timestamps();
        /** Calls of the delivery rows (events d0 and d1) that came, and when the first and the last came. */
        final AtomicLong distanceCalls = new AtomicLong();
        volatile long firstDistanceCall;
        volatile long lastDistanceCall;
        /** Each answer waits this long (on a timer): Totango at a distance. */
        private volatile long answerAfterMillis;
        private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        private final int port;

        Sink() throws Exception {
            port = vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
                    .requestHandler(request -> request.body().onSuccess(body -> {
                        long now = System.nanoTime();
                        for (String pair : body.toString(StandardCharsets.UTF_8).split("&")) {
                            if (pair.startsWith("sdr_a=")) {
                                String event = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                                if (EVENT_NUMBER.matcher(event).matches()) {
                                    arrivals.putIfAbsent(Long.parseLong(event.substring(1)), now);
                                } else if (event.equals("d0") || event.equals("d1")) {
                                    if (distanceCalls.getAndIncrement() == 0) {
                                        firstDistanceCall = now;
                                    }
                                    lastDistanceCall = now;
                                }
                            }
                        }
                        long delay = answerAfterMillis;
                        if (delay > 0) {
                            vertx.setTimer(delay, timer -> request.response().end("G"));
                        } else {
                            request.response().end("G");
                        }
                    }))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .actualPort();
        }

        String url() {
            return "http://127.0.0.1:" + port + "/pixel.gif/";
        }

        void answerAfter(long millis) {
            answerAfterMillis = millis;
        }

        @Override
        public void close() {
            vertx.close();
        }
    }
}
