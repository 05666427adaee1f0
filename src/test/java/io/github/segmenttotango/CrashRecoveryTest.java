package io.github.segmenttotango;

import io.github.segmenttotango.delivery.CallsByUser;
import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.awaitility.core.ConditionTimeoutException;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.Tag;
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
@Tag("process")
class CrashRecoveryTest {

    @Test
    void killDashNineDuringABurstLosesNoAcknowledgedEvent(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.answerAfter(Duration.ofMillis(50));
            Map<String, String> env = Map.of("TOTANGO_SERVICE_ID", "SP-CRASH", "TOTANGO_URL", totango.url(),
                    "BRIDGE_DATA_DIR", data.toString(), "SEGMENT_WRITE_KEYS", "crash-key");
            Set<String> acknowledged = new HashSet<>();
            int users = 10;
            int batches = 0;
            try (BundleProcess first = BundleProcess.launch(env).awaitHealthy()) {
                for (; batches < 25; batches++) {
                    StringBuilder batch = new StringBuilder("{\"batch\":[");
                    for (int i = 0; i < users; i++) {
                        batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"crash-u").append(i)
                                .append("\",\"event\":\"K").append(batches).append('-').append(i)
                                .append("\",\"context\":{\"groupId\":\"g\"}}");
                    }
                    HttpResponse<String> answer = first.post("/v1/batch", "crash-key", batch.append("]}").toString());
                    assertEquals(200, answer.statusCode(), answer.body());
                    for (int i = 0; i < users; i++) {
                        acknowledged.add("K" + batches + "-" + i);
                    }
                }
                int deliveredBeforeKill = totango.received().size();
                first.kill();
                assertTrue(deliveredBeforeKill < acknowledged.size(),
                        "the kill must hit a backlog: " + deliveredBeforeKill + " of " + acknowledged.size() + " delivered");
            }
            try (BundleProcess second = BundleProcess.launch(env).awaitHealthy()) {
                try {
                    Wait.atMost(Duration.ofSeconds(60)).until(() -> activities(totango).containsAll(acknowledged));
                } catch (ConditionTimeoutException timeout) {
                    Set<String> missing = new HashSet<>(acknowledged);
                    missing.removeAll(activities(totango));
                    throw new AssertionError("acknowledged but never delivered: " + missing);
                }
                second.awaitIdle();
                assertRepeatsAreMessagesInFlightAtTheKill(totango.received(), users, batches);
            }
        }
    }

    private static Set<String> activities(TotangoStandIn totango) {
        return totango.received().stream().map(r -> r.param("sdr_a")).collect(Collectors.toSet());
    }

    /**
     * What a kill -9 may repeat, by design. The delivery queue's reader acknowledges a message once
     * each of its calls was sent (a few milliseconds later, on its own thread); a message not
     * acknowledged at the kill stays on the queue whole, and its calls sent before the kill are sent
     * again. A message holds calls of one user, in order: those of that user's events routed in one
     * transaction of the events reader, at most CallsByUser.MAX_CALLS (100). A user's messages are
     * delivered one at a time, in order, and at most totango.max-in-flight (512) users' at once. So,
     * for each user, the calls sent twice are consecutive calls of that user, the ones sent last
     * before the kill (the message in delivery, and one just finished whose acknowledgement had not
     * gone yet), at most the user's events; no call is sent three times; and at most
     * min(512, users) users have any. In this burst, 10 users with 25 events each: at most 10 x 25.
     * That bound is loose because the reader, behind on a busy machine, may route several requests
     * in one transaction (then one message holds a user's calls of all of them, and 20 to 34 calls
     * were seen repeated); the structure below is what holds whatever the machine's speed.
     */
    private static void assertRepeatsAreMessagesInFlightAtTheKill(List<TotangoStandIn.Received> received, int users, int batches) {
        Map<String, List<String>> byUser = received.stream().collect(Collectors.groupingBy(r -> r.param("sdr_u"),
                java.util.TreeMap::new, Collectors.mapping(r -> r.param("sdr_a"), Collectors.toList())));
        int usersWithRepeats = 0;
        long repeats = 0;
        for (Map.Entry<String, List<String>> user : byUser.entrySet()) {
            List<String> calls = user.getValue();
            List<String> once = calls.stream().distinct().toList();
            List<String> twice = once.stream().filter(a -> java.util.Collections.frequency(calls, a) > 1).toList();
            assertTrue(once.stream().allMatch(a -> java.util.Collections.frequency(calls, a) <= 2), user.getKey() + ": a call sent three times: " + calls);
            if (twice.isEmpty()) {
                continue;
            }
            usersWithRepeats++;
            repeats += twice.size();
            // the user's calls in order up to the last one sent before the kill, then in order again from
            // the first call of the message in delivery: one run of consecutive calls sent twice
            int first = once.indexOf(twice.get(0));
            List<String> expected = new java.util.ArrayList<>(once.subList(0, first + twice.size()));
            expected.addAll(once.subList(first, once.size()));
            assertEquals(expected, calls, user.getKey() + ": the calls sent again are not one message sent again in order");
            assertTrue(twice.size() <= batches, user.getKey() + ": more calls repeated than the user sent: " + calls);
        }
        int inFlight = 512; // totango.max-in-flight by default: users in delivery at once
        assertTrue(usersWithRepeats <= Math.min(inFlight, users), usersWithRepeats + " users with repeats");
        assertTrue(repeats <= (long) Math.min(inFlight, users) * batches, repeats + " calls repeated");
        System.out.println("kill -9: " + repeats + " calls of " + usersWithRepeats + " users sent again");
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
    private static void awaitAnswerContaining(BundleProcess bundle, String path, String text) {
        Wait.atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(1)).alias("GET " + path + " answers with " + text)
                .until(() -> bundle.get(path, "Bearer crash-admin").body().contains(text));
    }
}
