package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.Tag;
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
 * A stop does not wait on Totango: SIGTERM while a call waits for its retry (Totango down), or while
 * Totango does not answer it, puts the call back on its queue; the process exits 0 within 5 s with one
 * INFO line for it and no ERROR or stack trace, and the restart delivers it.
 */
@Tag("process")
class StopWhileRetryingTest {

    private static final String EVENT =
            "{\"userId\":\"stop-u\",\"event\":\"Waited\",\"messageId\":\"stop-1\",\"context\":{\"groupId\":\"g\"}}";

    /**
     * A message of three calls of one user: the first is delivered, the second waits for its retry at
     * the stop, the third is not sent; the message goes back whole (the first is sent again).
     */
    @Test
    void aStopPutsTheCallWaitingForItsRetryBackOnItsQueue(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.answerNext(200, 503);
            // a long first delay: at the stop the call is surely waiting, far from its next attempt
            Map<String, String> env = env(totango, data, Map.of("DELIVERY_RETRY_INITIAL_DELAY", "1m"));
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                RunningBundle.accepted(first.post("/v1/batch", "stop-key", "{\"batch\":[" + track("First", "stop-0") + ","
                        + track("Waited", "stop-1") + "," + track("Third", "stop-2") + "]}"));
                totango.await(r -> "Waited".equals(r.param("sdr_a")), 1);
                // counted just before the delay starts
                awaitMetric(first, "totango_calls_retried_total 1.0");
                String putBack = assertStopsQuicklyPuttingTheCallBack(first);
                assertTrue(putBack.contains("call 2 of 3"), putBack);
            }
            assertEquals(List.of("First", "Waited"), activities(totango), "the third call waits with the second");

            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                totango.await(r -> "Third".equals(r.param("sdr_a")), 1);
                awaitMetric(second, "totango_delivery_backlog 0.0");
                assertEquals(List.of("First", "Waited", "First", "Waited", "Third"), activities(totango),
                        "the message again, in order: the call that waited delivered once, the one before it again");
                assertEquals(List.of(200, 503, 200, 200, 200), totango.received().stream().map(r -> r.status()).toList());
            }
        }
    }

    private static String track(String event, String messageId) {
        return "{\"type\":\"track\",\"userId\":\"stop-u\",\"event\":\"" + event + "\",\"messageId\":\"" + messageId
                + "\",\"context\":{\"groupId\":\"g\"}}";
    }

    private static List<String> activities(TotangoStandIn totango) {
        return totango.received().stream().map(r -> r.param("sdr_a")).toList();
    }

    @Test
    void aStopCutsACallTotangoDoesNotAnswerAndPutsItBack(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            // answers after 9 s: within totango.response-timeout (10 s), long after the stop must be done
            totango.answerAfter(Duration.ofSeconds(9));
            Map<String, String> env = env(totango, data, Map.of());
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                RunningBundle.accepted(first.post("/v1/track", "stop-key", EVENT));
                Wait.atMost(Duration.ofSeconds(15)).alias("the call reached Totango").until(() -> totango.arrived() > 0);
                assertStopsQuicklyPuttingTheCallBack(first);
            }
            totango.answerAfter(Duration.ZERO);
            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                // the cut call (answered to nobody once the 9 s were over) and the one the restart sent
                totango.await(r -> "Waited".equals(r.param("sdr_a")) && r.status() == 200, 2, Duration.ofSeconds(30));
                awaitMetric(second, "totango_delivery_backlog 0.0");
                assertEquals(2, totango.received().size(), "sent again once: " + totango.received());
            }
        }
    }

    /** Many users' calls waiting for their retries (each a timer, no thread): SIGTERM puts them all back at once. */
    @Test
    void aStopPutsEveryUsersCallWaitingForItsRetryBack(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.downFor(Duration.ofMinutes(5));
            Map<String, String> env = env(totango, data, Map.of("DELIVERY_RETRY_INITIAL_DELAY", "1m"));
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            for (int user = 0; user < 50; user++) {
                batch.append(user == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"many-").append(user)
                        .append("\",\"event\":\"Waited\",\"messageId\":\"many-").append(user).append("\",\"context\":{\"groupId\":\"g\"}}");
            }
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                RunningBundle.accepted(first.post("/v1/batch", "stop-key", batch.append("]}").toString()));
                totango.await(r -> "Waited".equals(r.param("sdr_a")), 50);
                awaitMetric(first, "totango_calls_retried_total 50.0");
                long signalled = System.nanoTime();
                first.process().destroy(); // SIGTERM
                assertTrue(first.process().waitFor(5, TimeUnit.SECONDS), "still running 5 s after SIGTERM: " + first.log());
                System.out.println("Stopped " + (System.nanoTime() - signalled) / 1_000_000 + " ms after SIGTERM, 50 calls waiting");
                assertEquals(0, first.process().exitValue(), first.log());
                assertEquals(50, first.log().lines().filter(line -> line.contains("goes back to the delivery queue")).count(), first.log());
            }
            totango.downFor(Duration.ZERO);
            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                totango.await(r -> "Waited".equals(r.param("sdr_a")) && r.status() == 200, 50, Duration.ofSeconds(30));
                awaitMetric(second, "totango_delivery_backlog 0.0");
                assertEquals(50, totango.received().stream().filter(r -> r.status() == 200).map(r -> r.param("sdr_u")).distinct().count());
            }
        }
    }

    private static Map<String, String> env(TotangoStandIn totango, Path data, Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("TOTANGO_SERVICE_ID", "SP-STOP", "TOTANGO_URL", totango.url(),
                "BRIDGE_DATA_DIR", data.toString(), "SEGMENT_WRITE_KEYS", "stop-key"));
        env.putAll(more);
        return env;
    }

    /** SIGTERM: exit 0 within 5 s, one INFO line for the call put back (returned), no ERROR, no stack trace. */
    private static String assertStopsQuicklyPuttingTheCallBack(BundleProcess bundle) throws Exception {
        long signalled = System.nanoTime();
        bundle.process().destroy(); // SIGTERM
        assertTrue(bundle.process().waitFor(5, TimeUnit.SECONDS), "still running 5 s after SIGTERM: " + bundle.log());
        long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
        assertEquals(0, bundle.process().exitValue(), bundle.log());
        String log = bundle.log();
        List<String> putBack = log.lines().filter(line -> line.contains("goes back to the delivery queue")).toList();
        System.out.println("Stopped " + tookMillis + " ms after SIGTERM: " + putBack);
        assertEquals(1, putBack.size(), log);
        assertTrue(putBack.get(0).contains(" INFO ") && putBack.get(0).contains("messageId=stop-1"), putBack.get(0));
        assertFalse(log.contains(" ERROR "), log);
        // a stack trace would add lines of its own: every line is a log line, which starts with its time
        assertEquals(List.of(), log.lines().filter(line -> !line.matches("\\d{4}-\\d\\d-\\d\\dT.*")).toList(), log);
        return putBack.get(0);
    }

    private static void awaitMetric(BundleProcess bundle, String line) {
        bundle.awaitAnswerContaining("/observe/metrics", "", line);
    }
}
