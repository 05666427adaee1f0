package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundle as a separate process, started the way users start it (main class, working folder
 * holding config/ and routes/), configured only through environment variables.
 */
@Tag("process")
class StandaloneProcessTest {

    @Test
    void everySettingIsOverriddenByItsEnvironmentVariable(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            String log;
            try (BundleProcess bundle = BundleProcess.launch(Map.ofEntries(
                    Map.entry("TOTANGO_SERVICE_ID", "SP-FROM-ENV"),
                    Map.entry("TOTANGO_URL", totango.url()),
                    Map.entry("TOTANGO_API_TOKEN", "token-from-env"),
                    Map.entry("TOTANGO_DEFAULT_PLAN", "Trial"),
                    Map.entry("TOTANGO_TRACK_NAMED_PAGES", "false"),
                    Map.entry("TOTANGO_TRACK_CATEGORIZED_PAGES", "true"),
                    Map.entry("TOTANGO_DISABLE_HEARTBEAT", "true"),
                    Map.entry("TOTANGO_PRODUCT_ACCOUNT_SEPARATOR", "::"),
                    Map.entry("SEGMENT_WRITE_KEYS", "env-key-1,env-key-2"),
                    Map.entry("SEGMENT_CORS_ALLOWED_ORIGINS", "https://env.example.com"),
                    Map.entry("BRIDGE_DATA_DIR", data.toString()),
                    Map.entry("BRIDGE_ADMIN_TOKEN", "admin-from-env"),
                    Map.entry("DELIVERY_PARK_WINDOW", "1s"),
                    Map.entry("DELIVERY_PARK_CHECK_INTERVAL", "200ms"))).awaitHealthy()) {
                String batch = """
                        {"batch":[
                          {"type":"group","userId":"env-u","groupId":"env-g","integrations":{"Totango":{"product":{"id":"p"}}}},
                          {"type":"page","userId":"env-u","name":"__heartbeat"},
                          {"type":"page","userId":"env-u","category":"Docs","name":"Index"},
                          {"type":"track","userId":"nobody","event":"X","messageId":"env-no-account"}
                        ]}""";
                assertEquals(401, bundle.post("/v1/batch", "wrong-key", batch).statusCode(), "SEGMENT_WRITE_KEYS");
                HttpResponse<String> response = bundle.post("/v1/batch", "env-key-2", batch);
                assertEquals(200, response.statusCode(), response.body());

                List<Received> calls = totango.awaitUser("env-u", 3);
                calls.forEach(call -> assertEquals("SP-FROM-ENV", call.param("sdr_s"), "TOTANGO_SERVICE_ID"));
                calls.forEach(call -> assertEquals("token-from-env", call.param("api-token"), "TOTANGO_API_TOKEN"));
                assertEquals("Trial", calls.get(0).param("sdr_o.plan"), "TOTANGO_DEFAULT_PLAN");
                assertEquals("env-g::p", calls.get(1).param("sdr_o"), "TOTANGO_PRODUCT_ACCOUNT_SEPARATOR");
                assertEquals("Viewed Docs Page", calls.get(2).param("sdr_a"),
                        "TOTANGO_DISABLE_HEARTBEAT drops the heartbeat; TOTANGO_TRACK_NAMED_PAGES=false drops the named page");
                bundle.awaitIdle();
                assertEquals(3, totango.forUser("env-u").size(), "no heartbeat and no named page: " + totango.forUser("env-u"));
                long letters = Wait.atMost(Duration.ofSeconds(15)).until(() -> {
                    try (var files = Files.list(data.resolve("dead-letter"))) {
                        return files.count();
                    }
                }, count -> count > 0);
                assertEquals(1, letters, "BRIDGE_DATA_DIR holds the dead letter, once DELIVERY_PARK_WINDOW has passed");
                assertEquals(200, bundle.get("/admin/dead-letter", "Bearer admin-from-env").statusCode(), "BRIDGE_ADMIN_TOKEN");
                log = bundle.log();
            }
            assertTrue(log.contains("segment.cors.allowed-origins=https://env.example.com"), "SEGMENT_CORS_ALLOWED_ORIGINS");
            assertFalse(log.contains("env-key-2"), "a write key in the log");
            assertFalse(log.contains("token-from-env"), "the api token in the log");
            assertFalse(log.contains("admin-from-env"), "the admin token in the log");
        }
    }

    /**
     * Started as {@code make run} starts it, the threads that route and deliver run at nice 19 once
     * they have worked, and those that answer requests (and the queue's) at the normal priority.
     */
    @Test
    void routingAndDeliveryRunBehindIngest(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                BundleProcess bundle = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "SP-1", "TOTANGO_URL", totango.url(),
                        "BRIDGE_DATA_DIR", data.toString()),
                        BundleProcess.makeRunJavaOptions()).awaitHealthy()) {
            for (int request = 0; request < 20; request++) {
                RunningBundle.accepted(bundle.post("/v1/track", "any-key",
                        "{\"userId\":\"prio-u" + request + "\",\"event\":\"Ran\",\"context\":{\"groupId\":\"g\"}}"));
            }
            for (int request = 0; request < 20; request++) {
                totango.awaitUser("prio-u" + request, 1);
            }
            Map<String, Integer> threads = bundle.threadPriorities();
            Map<String, Integer> reader = only(threads, "timer://route-queued-events");
            Map<String, Integer> deliveryReader = only(threads, "delivery-queue-reader");
            Map<String, Integer> answers = only(threads, "totango-answers");
            Map<String, Integer> requests = only(threads, "vert.x-");
            Map<String, Integer> queue = only(threads, "activemq");
            assertEquals(1, reader.size(), threads.toString());
            assertEquals(Set.of(19), Set.copyOf(reader.values()), "the reader: " + reader);
            assertEquals(Map.of("delivery-queue-reader", 19), deliveryReader, "the delivery queue's reader");
            assertFalse(answers.isEmpty(), threads.toString());
            assertEquals(Set.of(19), Set.copyOf(answers.values()), "the threads that go on after Totango's answers: " + answers);
            assertFalse(requests.isEmpty(), threads.toString());
            assertEquals(Set.of(0), Set.copyOf(requests.values()), "the threads that answer requests: " + requests);
            assertFalse(queue.isEmpty(), threads.toString());
            assertEquals(Set.of(0), Set.copyOf(queue.values()), "the queue's threads: " + queue);
        }
    }

    private static Map<String, Integer> only(Map<String, Integer> threads, String namePart) {
        Map<String, Integer> matching = new HashMap<>(threads);
        matching.keySet().removeIf(name -> !name.contains(namePart));
        return matching;
    }

    @Test
    void regionPicksTotangosEndpointAndARelativeDataFolderWorks() throws Exception {
        // a relative data folder, as the default "data" is: resolved against the working folder
        String relative = "target/relative-data-" + System.nanoTime();
        try (BundleProcess bundle = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "SP-1", "TOTANGO_REGION", "eu",
                "BRIDGE_DATA_DIR", relative, "TOTANGO_TRACK_MODULE_FROM_LAST_PAGE", "true")).awaitHealthy()) {
            assertTrue(bundle.log().contains("Delivering to Totango at https://sdr-eu1.totango.com/pixel.gif/"), bundle.log());
            assertTrue(bundle.log().contains("totango.track-module-from-last-page=true"), "set by its environment variable: " + bundle.log());
            assertTrue(Files.isDirectory(Path.of(relative, "state")), "state under the relative data folder");
        }
    }

    @Test
    void refusesToStartWithoutServiceIdOrWithABadSetting(@TempDir Path data) throws Exception {
        assertStartFails(Map.of("BRIDGE_DATA_DIR", data.toString()), "totango.service-id is required: set TOTANGO_SERVICE_ID");
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "TOTANGO_REGION", "mars", "BRIDGE_DATA_DIR", data.toString()),
                "totango.region (TOTANGO_REGION) must be us or eu");
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "TOTANGO_DISABLE_HEARTBEAT", "maybe", "BRIDGE_DATA_DIR", data.toString()),
                "totango.disable-heartbeat (TOTANGO_DISABLE_HEARTBEAT) must be true or false");
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "INGEST_QUEUE_MAX_IN_FLIGHT", "lots", "BRIDGE_DATA_DIR", data.toString()),
                "ingest.queue.max-in-flight (INGEST_QUEUE_MAX_IN_FLIGHT) must be a whole number from 1 to 64, not 'lots'");
        Path file = Files.createFile(data.resolve("not-a-folder.txt"));
        assertStartFails(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_DATA_DIR", file.toString()),
                "bridge.data-dir (BRIDGE_DATA_DIR) must be a writable folder");
    }

    private static void assertStartFails(Map<String, String> env, String message) throws Exception {
        try (BundleProcess bundle = BundleProcess.launch(new HashMap<>(env))) {
            assertTrue(bundle.process().waitFor(60, TimeUnit.SECONDS), "the bundle should have stopped");
            assertNotEquals(0, bundle.process().exitValue());
            assertTrue(bundle.log().contains("segment-totango cannot start: " + message), bundle.log());
        }
    }
}
