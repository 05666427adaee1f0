package io.github.segmenttotango;

import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.Test;

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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundle as a separate process, started the way users start it (main class, working folder
 * holding config/ and routes/), configured only through environment variables.
 */
class StandaloneProcessTest {

    private static Process launch(Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", System.getProperty("java.class.path"),
                Application.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("TOTANGO_") || key.startsWith("SEGMENT_")
                || key.startsWith("BRIDGE_") || key.startsWith("CAMEL_") || key.startsWith("DELIVERY_"));
        builder.environment().putAll(env);
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void everySettingIsOverriddenByItsEnvironmentVariable() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            Path data = Files.createTempDirectory("env-data");
            Path log = Files.createTempFile("bundle", ".log");
            int port = freePort();
            Process bundle = launch(Map.ofEntries(
                    Map.entry("TOTANGO_SERVICE_ID", "SP-FROM-ENV"),
                    Map.entry("TOTANGO_URL", totango.url()),
                    Map.entry("TOTANGO_API_TOKEN", "token-from-env"),
                    Map.entry("TOTANGO_DEFAULT_PLAN", "Trial"),
                    Map.entry("TOTANGO_TRACK_NAMED_PAGES", "false"),
                    Map.entry("TOTANGO_TRACK_CATEGORIZED_PAGES", "true"),
                    Map.entry("TOTANGO_DISABLE_HEARTBEAT", "true"),
                    Map.entry("TOTANGO_PRODUCT_ACCOUNT_SEPARATOR", "::"),
                    Map.entry("SEGMENT_WRITE_KEYS", "env-key-1,env-key-2"),
                    Map.entry("BRIDGE_DATA_DIR", data.toString()),
                    Map.entry("DELIVERY_PARK_WINDOW", "1s"),
                    Map.entry("DELIVERY_PARK_CHECK_INTERVAL", "200ms"),
                    Map.entry("CAMEL_SERVER_PORT", String.valueOf(port))), log);
            try {
                HttpClient http = HttpClient.newHttpClient();
                awaitHealthy(http, port, bundle, log);
                String batch = """
                        {"batch":[
                          {"type":"group","userId":"env-u","groupId":"env-g","integrations":{"Totango":{"product":{"id":"p"}}}},
                          {"type":"page","userId":"env-u","name":"__heartbeat"},
                          {"type":"page","userId":"env-u","category":"Docs","name":"Index"},
                          {"type":"track","userId":"nobody","event":"X","messageId":"env-no-account"}
                        ]}""";
                assertEquals(401, post(http, port, "wrong-key", batch).statusCode(), "SEGMENT_WRITE_KEYS");
                HttpResponse<String> response = post(http, port, "env-key-2", batch);
                assertEquals(200, response.statusCode(), response.body());

                List<Received> calls = totango.awaitUser("env-u", 3);
                calls.forEach(call -> assertEquals("SP-FROM-ENV", call.param("sdr_s"), "TOTANGO_SERVICE_ID"));
                calls.forEach(call -> assertEquals("token-from-env", call.param("api-token"), "TOTANGO_API_TOKEN"));
                assertEquals("Trial", calls.get(0).param("sdr_o.plan"), "TOTANGO_DEFAULT_PLAN");
                assertEquals("env-g::p", calls.get(1).param("sdr_o"), "TOTANGO_PRODUCT_ACCOUNT_SEPARATOR");
                assertEquals("Viewed Docs Page", calls.get(2).param("sdr_a"),
                        "TOTANGO_DISABLE_HEARTBEAT drops the heartbeat; TOTANGO_TRACK_NAMED_PAGES=false drops the named page");
                Thread.sleep(300);
                assertEquals(3, totango.forUser("env-u").size(), "no heartbeat and no named page: " + totango.forUser("env-u"));
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                long letters = 0;
                while (letters == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    try (var files = Files.list(data.resolve("dead-letter"))) {
                        letters = files.count();
                    }
                }
                assertEquals(1, letters, "BRIDGE_DATA_DIR holds the dead letter, once DELIVERY_PARK_WINDOW has passed");
            } finally {
                bundle.destroy();
                assertTrue(bundle.waitFor(30, TimeUnit.SECONDS));
            }
            String output = Files.readString(log);
            assertFalse(output.contains("env-key-2"), "a write key in the log");
            assertFalse(output.contains("token-from-env"), "the api token in the log");
        }
    }

    @Test
    void regionPicksTotangosEndpoint() throws Exception {
        Path log = Files.createTempFile("bundle", ".log");
        int port = freePort();
        Process bundle = launch(Map.of("TOTANGO_SERVICE_ID", "SP-1", "TOTANGO_REGION", "eu",
                "BRIDGE_DATA_DIR", Files.createTempDirectory("eu").toString(), "CAMEL_SERVER_PORT", String.valueOf(port)), log);
        try {
            awaitHealthy(HttpClient.newHttpClient(), port, bundle, log);
            assertTrue(Files.readString(log).contains("Delivering to Totango at https://sdr-eu1.totango.com/pixel.gif/"),
                    Files.readString(log));
        } finally {
            bundle.destroy();
            bundle.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesToStartWithoutServiceIdOrWithABadSetting() throws Exception {
        Path data = Files.createTempDirectory("bad");
        assertStartFails(Map.of("BRIDGE_DATA_DIR", data.toString()), "totango.service-id is required: set TOTANGO_SERVICE_ID");
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "TOTANGO_REGION", "mars", "BRIDGE_DATA_DIR", data.toString()),
                "totango.region (TOTANGO_REGION) must be us or eu");
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "TOTANGO_DISABLE_HEARTBEAT", "maybe", "BRIDGE_DATA_DIR", data.toString()),
                "totango.disable-heartbeat (TOTANGO_DISABLE_HEARTBEAT) must be true or false");
        Path file = Files.createTempFile("not-a-folder", ".txt");
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_DATA_DIR", file.toString()),
                "bridge.data-dir (BRIDGE_DATA_DIR) must be a writable folder");
    }

    private static void assertStartFails(Map<String, String> env, String message) throws Exception {
        Path log = Files.createTempFile("bundle", ".log");
        Map<String, String> withPort = new java.util.HashMap<>(env);
        withPort.put("CAMEL_SERVER_PORT", String.valueOf(freePort()));
        Process bundle = launch(withPort, log);
        assertTrue(bundle.waitFor(60, TimeUnit.SECONDS), "the bundle should have stopped");
        assertNotEquals(0, bundle.exitValue());
        String output = Files.readString(log);
        assertTrue(output.contains("segment-totango cannot start: " + message), output);
    }

    private static HttpResponse<String> post(HttpClient http, int port, String writeKey, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batch"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitHealthy(HttpClient http, int port, Process bundle, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && bundle.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("The bundle did not become healthy: " + Files.readString(log));
    }
}
