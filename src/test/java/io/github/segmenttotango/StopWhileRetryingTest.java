package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM while a call waits for its retry (Totango down): the call goes back to its queue at once,
 * the process exits 0 within 5 s with one INFO line for it and no ERROR or stack trace, and the
 * restart delivers it, once.
 */
class StopWhileRetryingTest {

    @Test
    void aStopPutsTheCallWaitingForItsRetryBackOnItsQueue(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.downFor(Duration.ofHours(1));
            Map<String, String> env = Map.of("TOTANGO_SERVICE_ID", "SP-STOP", "TOTANGO_URL", totango.url(),
                    "BRIDGE_DATA_DIR", data.toString(), "SEGMENT_WRITE_KEYS", "stop-key",
                    // a long first delay: at the stop the call is surely waiting, far from its next attempt
                    "DELIVERY_RETRY_INITIAL_DELAY", "1m");
            String log;
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                RunningBundle.accepted(first.post("/v1/track", "stop-key",
                        "{\"userId\":\"stop-u\",\"event\":\"Waited\",\"messageId\":\"stop-1\",\"context\":{\"groupId\":\"g\"}}"));
                totango.await(r -> "Waited".equals(r.param("sdr_a")), 1);
                // counted just before the delay starts
                awaitMetric(first, "totango_calls_retried_total 1.0");

                long signalled = System.nanoTime();
                first.process().destroy(); // SIGTERM
                assertTrue(first.process().waitFor(5, TimeUnit.SECONDS), "still running 5 s after SIGTERM: " + first.log());
                long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
                assertEquals(0, first.process().exitValue(), first.log());
                log = first.log();
                System.out.println("Stopped " + tookMillis + " ms after SIGTERM");
            }
            List<String> putBack = log.lines().filter(line -> line.contains("goes back to the delivery queue")).toList();
            System.out.println(putBack);
            assertEquals(1, putBack.size(), log);
            assertTrue(putBack.get(0).contains(" INFO ") && putBack.get(0).contains("messageId=stop-1"), putBack.get(0));
            assertFalse(log.contains(" ERROR "), log);
            // a stack trace would add lines of its own: every line is a log line, which starts with its time
            assertEquals(List.of(), log.lines().filter(line -> !line.matches("\\d{4}-\\d\\d-\\d\\dT.*")).toList(), log);
            assertEquals(1, totango.received().size(), "one attempt before the stop: " + totango.received());

            totango.downFor(Duration.ZERO);
            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                totango.await(r -> "Waited".equals(r.param("sdr_a")) && r.status() == 200, 1);
                awaitMetric(second, "totango_delivery_backlog 0.0");
                assertEquals(1, totango.received().stream()
                        .filter(r -> "Waited".equals(r.param("sdr_a")) && r.status() == 200).count(), "delivered once");
            }
        }
    }

    private static void awaitMetric(BundleProcess bundle, String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            metrics = bundle.get("/observe/metrics", "").body();
            if (metrics.contains(line)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + line + " in " + metrics);
    }
}
