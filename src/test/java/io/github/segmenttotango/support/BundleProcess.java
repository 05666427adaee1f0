package io.github.segmenttotango.support;

import io.github.segmenttotango.Application;

import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/**
 * The bundle as its own process, started as users start it (the main class, from the project folder
 * that holds config/ and routes/), configured through environment variables only.
 */
public final class BundleProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private BundleProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts the bundle with these environment variables (CAMEL_SERVER_PORT is added when absent). */
    public static BundleProcess launch(Map<String, String> env) throws IOException {
        return launch(env, List.of());
    }

    /** The same, with these options for its JVM. */
    public static BundleProcess launch(Map<String, String> env, List<String> jvmOptions) throws IOException {
        Path log = Files.createTempFile("bundle", ".log");
        int port = env.containsKey("CAMEL_SERVER_PORT") ? Integer.parseInt(env.get("CAMEL_SERVER_PORT")) : freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                Application.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("TOTANGO_") || key.startsWith("SEGMENT_")
                || key.startsWith("BRIDGE_") || key.startsWith("CAMEL_") || key.startsWith("DELIVERY_") || key.startsWith("INBOX_"));
        builder.environment().putAll(env);
        builder.environment().put("CAMEL_SERVER_PORT", String.valueOf(port));
        return new BundleProcess(builder.start(), log, port);
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** Waits for GET /observe/health to answer 200 (fails after 60 s or when the process ends). */
    public BundleProcess awaitHealthy() throws Exception {
        try {
            Wait.atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> !process.isAlive() || http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } catch (ConditionTimeoutException timeout) {
            throw new AssertionError("The bundle did not become healthy in 60 s: " + log());
        }
        if (!process.isAlive()) {
            throw new AssertionError("The bundle stopped before it was healthy: " + log());
        }
        return this;
    }

    /** Waits (15 s at most) until GET {@code path} answers a body containing {@code text}, and returns that body. */
    public String awaitAnswerContaining(String path, String authorization, String text) {
        return Wait.atMost(Duration.ofSeconds(15)).until(() -> get(path, authorization).body(), body -> body.contains(text));
    }

    /**
     * Waits (60 s at most) until the bundle has nothing left to send: no request waiting on the events
     * queue, no message of calls on the delivery queue (see RunningBundle#awaitIdle).
     */
    public void awaitIdle() {
        Wait.atMost(Duration.ofSeconds(60)).alias("nothing waiting on the events and delivery queues")
                .until(() -> get("/observe/metrics", "").body(),
                        metrics -> metrics.contains("\nsegment_requests_queued 0.0") && metrics.contains("\ntotango_delivery_backlog 0.0"));
    }

    /** POSTs JSON with the write key as HTTP Basic user. */
    public HttpResponse<String> post(String path, String writeKey, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a request with a JSON body (or none) and an Authorization header. */
    public HttpResponse<String> send(String method, String path, String authorization, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", authorization).header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GETs a path with an Authorization header. */
    public HttpResponse<String> get(String path, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", authorization).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The JVM options {@code make run}, the Dockerfile and the systemd unit start the bundle with: deploy/jvm.options. */
    public static List<String> makeRunJavaOptions() throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("deploy", "jvm.options"))) {
            String option = line.replaceFirst("#.*", "").trim();
            if (!option.isEmpty()) {
                options.addAll(Arrays.asList(option.split("\\s+")));
            }
        }
        if (options.isEmpty()) {
            throw new AssertionError("No options in deploy/jvm.options");
        }
        return options;
    }

    private static final Pattern THREAD = Pattern.compile("^\"(.*)\" #\\d+ .*?\\bprio=\\d+ os_prio=(-?\\d+)", Pattern.MULTILINE);

    /** The bundle's threads by name, with their operating-system priority (nice on Linux), from jcmd. */
    public Map<String, Integer> threadPriorities() throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid()), "Thread.print").redirectErrorStream(true).start();
        String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        Map<String, Integer> threads = new LinkedHashMap<>();
        Matcher thread = THREAD.matcher(dump);
        while (thread.find()) {
            threads.put(thread.group(1), Integer.parseInt(thread.group(2)));
        }
        if (threads.isEmpty()) {
            throw new AssertionError("No threads in jcmd's answer: " + dump);
        }
        return threads;
    }

    /** kill -9: no shutdown hook, no flush, nothing. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        Scratch.delete(log);
    }
}
