package io.github.segmenttotango.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.Application;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The bundle as users run it (the same {@link Application#newMain()}, its real routes and
 * config/application.properties), started in this JVM with the settings a test needs: a free port,
 * a fresh data folder and Totango pointed at a {@link TotangoStandIn}.
 */
public final class RunningBundle implements AutoCloseable {

    public static final String WRITE_KEY = "test-write-key";
    public static final String SERVICE_ID = "SP-TEST-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Main main;
    private final int port;
    private final Path dataDir;
    /** Whether the data folder is this bundle's own scratch folder, deleted when it stops. */
    private final boolean scratch;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningBundle(Main main, int port, Path dataDir, boolean scratch) {
        this.main = main;
        this.port = port;
        this.dataDir = dataDir;
        this.scratch = scratch;
    }

    public static RunningBundle start(TotangoStandIn totango, Map<String, String> settings) throws Exception {
        RunningBundle bundle = startAnswering(totango, settings);
        bundle.awaitHealth(200);
        return bundle;
    }

    /** Starts the bundle and waits until its health check answers, ready (200) or not (503). */
    public static RunningBundle startAnswering(TotangoStandIn totango, Map<String, String> settings) throws Exception {
        boolean scratch = !settings.containsKey("bridge.data-dir");
        Path dataDir = scratch ? Files.createTempDirectory("segment-totango-test") : Path.of(settings.get("bridge.data-dir"));
        int port = freePort();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("totango.service-id", SERVICE_ID);
        all.put("totango.url", totango.url());
        all.put("segment.write-keys", WRITE_KEY + ",second-key");
        all.put("bridge.data-dir", dataDir.toString());
        all.put("camel.server.port", String.valueOf(port));
        all.put("delivery.retry.initial-delay", "50ms");
        all.put("delivery.retry.max-delay", "200ms");
        all.putAll(settings);
        Main main = Application.newMain();
        all.forEach(main::addOverrideProperty);
        main.start();
        RunningBundle bundle = new RunningBundle(main, port, dataDir, scratch);
        bundle.awaitHealth(200, 503);
        return bundle;
    }

    public static RunningBundle start(TotangoStandIn totango) throws Exception {
        return start(totango, Map.of());
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    public Path dataDir() {
        return dataDir;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** POSTs JSON to a Tracking API path with the write key as HTTP Basic user. */
    public HttpResponse<String> post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .header("Authorization", basic(WRITE_KEY)).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20));
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("Request to the bundle failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Fails unless the Tracking API accepted the request: 200 with {@code "success":true}. */
    public static void accepted(HttpResponse<String> response) {
        if (response.statusCode() != 200 || !response.body().contains("\"success\":true")) {
            throw new AssertionError("The request was not accepted: " + response.statusCode() + " " + response.body());
        }
    }

    public static String basic(String writeKey) {
        return "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
    }

    /** The dead letters kept so far, oldest first. */
    public List<JsonNode> deadLetters() {
        Path folder = dataDir.resolve("dead-letter");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<JsonNode> letters = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                letters.add(JSON.readTree(file.toFile()));
            }
            return letters;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until a dead letter with this reason and messageId is kept, and returns it. */
    public JsonNode awaitDeadLetter(String reason, String messageId) {
        return awaitDeadLetter(letter -> reason.equals(letter.path("reason").asText()) && messageId.equals(letter.path("messageId").asText()),
                reason + " for " + messageId);
    }

    /** Waits (15 s at most) until a dead letter matches, and returns the first that does. */
    public JsonNode awaitDeadLetter(Predicate<JsonNode> match, String what) {
        try {
            return Wait.atMost(Duration.ofSeconds(15)).until(() -> deadLetters().stream().filter(match).findFirst(), Optional::isPresent).get();
        } catch (ConditionTimeoutException timeout) {
            throw new AssertionError("No dead letter " + what + "; kept: " + deadLetters());
        }
    }

    /** Waits (15 s at most) until GET {@code path} answers a body containing {@code text}, and returns that body. */
    public String awaitAnswerContaining(String path, String text) {
        return Wait.atMost(Duration.ofSeconds(15)).until(() -> send(request(path).GET().build()).body(), body -> body.contains(text));
    }

    /**
     * Waits (15 s at most) until the bundle has nothing left to send: no request or file chunk waiting on
     * the events queue, no message of calls on the delivery queue (one being delivered still counts).
     * Every call the bundle was going to make has then reached Totango, so a test can assert that
     * something did not.
     */
    public void awaitIdle() {
        Wait.atMost(Duration.ofSeconds(15)).alias("nothing waiting on the events and delivery queues")
                .until(() -> send(request("/observe/metrics").GET().build()).body(),
                        metrics -> metrics.contains("\nsegment_requests_queued 0.0") && metrics.contains("\ntotango_delivery_backlog 0.0"));
    }

    private void awaitHealth(Integer... statuses) {
        try {
            Wait.atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> http.send(request("/observe/health").GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode(),
                            List.of(statuses)::contains);
        } catch (ConditionTimeoutException timeout) {
            throw new AssertionError("The bundle's health did not answer " + List.of(statuses) + " on port " + port);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        main.stop();
        if (scratch) {
            Scratch.delete(dataDir);
        }
    }
}
