package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accepted means durable: kill -9 during a burst of acknowledged events loses none of them, nor what
 * the reader wrote to the state database the moment before (a parked event, a messageId seen).
 */
class CrashRecoveryTest {

    @Test
    void killDashNineDuringABurstLosesNoAcknowledgedEvent(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.answerAfter(Duration.ofMillis(50));
            Map<String, String> env = Map.of("TOTANGO_SERVICE_ID", "SP-CRASH", "TOTANGO_URL", totango.url(),
                    "BRIDGE_DATA_DIR", data.toString(), "SEGMENT_WRITE_KEYS", "crash-key");
            Set<String> acknowledged = new HashSet<>();
            int batches = 0;
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                for (; batches < 25; batches++) {
                    StringBuilder batch = new StringBuilder("{\"batch\":[");
                    for (int i = 0; i < 10; i++) {
                        batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"crash-u").append(i)
                                .append("\",\"event\":\"K").append(batches).append('-').append(i)
                                .append("\",\"context\":{\"groupId\":\"g\"}}");
                    }
                    HttpResponse<String> answer = first.post("/v1/batch", "crash-key", batch.append("]}").toString());
                    assertEquals(200, answer.statusCode(), answer.body());
                    for (int i = 0; i < 10; i++) {
                        acknowledged.add("K" + batches + "-" + i);
                    }
                }
                int deliveredBeforeKill = totango.received().size();
                first.kill();
                assertTrue(deliveredBeforeKill < acknowledged.size(),
                        "the kill must hit a backlog: " + deliveredBeforeKill + " of " + acknowledged.size() + " delivered");
            }
            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                Set<String> delivered = Set.of();
                while (System.nanoTime() < deadline) {
                    delivered = totango.received().stream().map(r -> r.param("sdr_a")).collect(Collectors.toSet());
                    if (delivered.containsAll(acknowledged)) {
                        break;
                    }
                    Thread.sleep(100);
                }
                Set<String> missing = new HashSet<>(acknowledged);
                missing.removeAll(delivered);
                assertTrue(missing.isEmpty(), "acknowledged but never delivered: " + missing);
                List<String> all = totango.received().stream().map(r -> r.param("sdr_a")).toList();
                long duplicates = all.size() - new HashSet<>(all).size();
                int consumers = 16; // delivery.concurrency by default: at most one call in flight each
                assertTrue(duplicates <= consumers, "duplicates are limited to calls in flight at the kill: " + duplicates);
            }
        }
    }

    /**
     * The reader takes an event off the queue once it is parked, and a messageId once it is
     * remembered; a kill -9 right after either must find them in the state database at the restart.
     * (H2 writes a commit to its file up to half a second later unless told otherwise.)
     */
    @Test
    void killDashNineRightAfterTheReaderWroteItsStateLosesNone(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            Map<String, String> env = Map.of("TOTANGO_SERVICE_ID", "SP-CRASH", "TOTANGO_URL", totango.url(),
                    "BRIDGE_DATA_DIR", data.toString(), "SEGMENT_WRITE_KEYS", "crash-key", "BRIDGE_ADMIN_TOKEN", "crash-admin");
            String once = "{\"userId\":\"crash-seen\",\"event\":\"Once\",\"messageId\":\"crash-once\",\"context\":{\"groupId\":\"g\"}}";
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                assertEquals(200, first.post("/v1/track", "crash-key", once).statusCode());
                totango.await(r -> "Once".equals(r.param("sdr_a")), 1);
                // its delivery taken off the queue for good, so that the restart cannot repeat it (a call in flight may)
                awaitAnswerContaining(first, "/observe/metrics", "totango_delivery_backlog 0.0");
                assertEquals(200, first.post("/v1/identify", "crash-key",
                        "{\"userId\":\"crash-parked\",\"traits\":{\"plan\":\"Gold\"},\"messageId\":\"crash-parked-1\"}").statusCode());
                awaitAnswerContaining(first, "/admin/parked", "crash-parked-1");
                first.kill();
            }
            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                assertTrue(second.get("/admin/parked", "Bearer crash-admin").body().contains("crash-parked-1"),
                        "the parked event is gone after the restart");
                assertEquals(200, second.post("/v1/group", "crash-key",
                        "{\"userId\":\"crash-parked\",\"groupId\":\"acme\",\"messageId\":\"crash-group-1\"}").statusCode());
                totango.await(r -> "crash-parked".equals(r.param("sdr_u")) && "Gold".equals(r.param("sdr_u.plan")), 1);
                assertEquals(200, second.post("/v1/track", "crash-key", once).statusCode());
                assertEquals(200, second.post("/v1/track", "crash-key", "{\"userId\":\"crash-seen\",\"event\":\"After\","
                        + "\"messageId\":\"crash-after\",\"context\":{\"groupId\":\"g\"}}").statusCode());
                totango.await(r -> "After".equals(r.param("sdr_a")), 1);
                assertEquals(1, totango.received().stream().filter(r -> "Once".equals(r.param("sdr_a"))).count(),
                        "the event sent again after the restart was delivered twice");
                try (var copies = Files.list(data.resolve("native"))) {
                    assertEquals(1, copies.filter(f -> f.getFileName().toString().startsWith("librocksdbjni")).count(),
                            "the dedup store's native library: the copy the killed process left was replaced, not kept beside");
                }
            }
        }
    }

    /** Asks as fast as it can (the kill must follow closely), for 15 s at most. */
    private static void awaitAnswerContaining(BundleProcess bundle, String path, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!bundle.get(path, "Bearer crash-admin").body().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "GET " + path + " never answered with " + text);
        }
    }
}
