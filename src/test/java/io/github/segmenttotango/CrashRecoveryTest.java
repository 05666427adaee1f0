package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.Test;

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

/** Accepted means durable: kill -9 during a burst of acknowledged events loses none of them. */
class CrashRecoveryTest {

    @Test
    void killDashNineDuringABurstLosesNoAcknowledgedEvent() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.answerAfter(Duration.ofMillis(50));
            Path data = Files.createTempDirectory("crash");
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
}
