package io.github.segmenttotango;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery at internet distance: many users' calls are in flight together against a slow Totango, a
 * user's calls never overlap and stay in order across a retry, Totango's 429 and outages lower the
 * calls in flight, and everything arrives once Totango is back.
 */
class DeliveryInFlightTest {

    private static String track(String user, String event, String messageId) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"messageId\":\"" + messageId
                + "\",\"context\":{\"groupId\":\"g-" + user + "\"}}";
    }

    private static String batch(List<String> events) {
        return "{\"batch\":[" + String.join(",", events) + "]}";
    }

    @Test
    void manyUsersCallsAreInFlightTogether() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango, Map.of())) {
            totango.answerAfter(Duration.ofMillis(300));
            List<String> events = IntStream.range(0, 200).mapToObj(i -> track("many-" + i, "Seen", "many-" + i)).toList();
            RunningBundle.accepted(bundle.post("/v1/batch", batch(events)));
            totango.await(r -> "Seen".equals(r.param("sdr_a")), 200, Duration.ofSeconds(30));
            assertTrue(totango.mostAtOnce() > 16, "more calls at once than the 16 blocking consumers of old: " + totango.mostAtOnce());
            assertEquals(List.of(), totango.usersWithOverlappingCalls());
        }
    }

    @Test
    void oneUsersCallsNeverOverlapAndStayInOrderAcrossARetry() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango, Map.of())) {
            totango.answerAfter(Duration.ofMillis(20));
            // the third call of the busy user gets a 503 and is retried before the fourth goes
            totango.answerNext(200, 200, 503);
            List<String> events = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                events.add(track("busy", "Step " + i, "busy-" + i));
                expected.add("Step " + i);
            }
            RunningBundle.accepted(bundle.post("/v1/batch", batch(events)));
            // other users' calls beside the busy user's, once its 503 came (the statuses go to calls in arrival order)
            totango.await(r -> r.status() == 503, 1);
            RunningBundle.accepted(bundle.post("/v1/batch",
                    batch(IntStream.range(0, 50).mapToObj(i -> track("other-" + i, "Other", "other-" + i)).toList())));
            totango.await(r -> "busy".equals(r.param("sdr_u")) && r.status() == 200, 30, Duration.ofSeconds(30));
            totango.await(r -> "Other".equals(r.param("sdr_a")), 50);
            List<TotangoStandIn.Received> busy = totango.forUser("busy");
            assertEquals(1, busy.stream().filter(r -> r.status() == 503).count(), "one call of the busy user was refused once");
            assertEquals(expected, busy.stream().filter(r -> r.status() == 200).map(r -> r.param("sdr_a")).toList(),
                    "the busy user's calls in order, the refused one retried in its place");
            assertEquals(List.of(), totango.usersWithOverlappingCalls(), "no user's calls overlapped");
            assertTrue(totango.mostAtOnce() > 1, "other users' calls went beside the busy user's");
        }
    }

    /** One user's backlog delays only that user (issue 29, item 7): the others' calls go beside it. */
    @Test
    void oneBusyUsersBacklogDoesNotHoldUpTheOthers() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango, Map.of())) {
            totango.answerAfter(Duration.ofMillis(20));
            // 5,000 calls of one user: 100 s of Totango's time, one call after the other
            for (int part = 0; part < 2; part++) {
                int from = part * 2500;
                RunningBundle.accepted(bundle.post("/v1/batch", batch(IntStream.range(from, from + 2500)
                        .mapToObj(i -> track("hoarder", "Busy", "hoard-" + i)).toList())));
            }
            totango.awaitUser("hoarder", 5);
            long sent = System.currentTimeMillis();
            RunningBundle.accepted(bundle.post("/v1/batch",
                    batch(IntStream.range(0, 3).mapToObj(i -> track("quiet-" + i, "Quiet", "quiet-" + i)).toList())));
            List<TotangoStandIn.Received> quiet = totango.await(r -> "Quiet".equals(r.param("sdr_a")), 3, Duration.ofSeconds(10));
            long waited = quiet.stream().mapToLong(TotangoStandIn.Received::at).max().orElseThrow() - sent;
            assertTrue(waited < 5000, "the other users' calls came " + waited + " ms after their request");
            assertTrue(totango.forUser("hoarder").size() < 1000, "while the busy user's backlog was still being delivered");
        }
    }

    @Test
    void a429WithRetryAfterIsHonouredAndLowersTheCallsInFlight() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango, Map.of())) {
            assertEquals(512, metric(bundle, "totango_calls_in_flight_limit"), "the limit starts at totango.max-in-flight");
            totango.retryAfterSeconds(1);
            totango.answerNext(429);
            RunningBundle.accepted(bundle.post("/v1/track", track("slow-down", "Later", "later-1")));
            List<TotangoStandIn.Received> calls = totango.await(r -> "Later".equals(r.param("sdr_a")), 2);
            assertEquals(List.of(429, 200), calls.stream().map(TotangoStandIn.Received::status).toList());
            long waited = calls.get(1).at() - calls.get(0).at();
            assertTrue(waited >= 1000, "the retry waited Totango's Retry-After of 1 s (retry delay 50 ms otherwise): " + waited);
            assertEquals(256, metric(bundle, "totango_calls_in_flight_limit"), "a 429 halves the limit");
        }
    }

    @Test
    void totangoDownThenBackDeliversEverythingWithoutABurstAboveTheLimit() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("totango.max-in-flight", "8"))) {
            totango.downFor(Duration.ofSeconds(3));
            totango.answerAfter(Duration.ofMillis(20));
            List<String> events = IntStream.range(0, 100).mapToObj(i -> track("down-" + i, "Waited", "down-" + i)).toList();
            RunningBundle.accepted(bundle.post("/v1/batch", batch(events)));
            long lowest = 8;
            long until = System.currentTimeMillis() + 2500;
            while (System.currentTimeMillis() < until) {
                lowest = Math.min(lowest, metric(bundle, "totango_calls_in_flight_limit"));
                TotangoStandIn.sleep(100);
            }
            assertTrue(lowest < 8, "Totango's outage lowered the calls in flight: " + lowest);
            totango.await(r -> "Waited".equals(r.param("sdr_a")) && r.status() == 200, 100, Duration.ofSeconds(30));
            assertTrue(totango.mostAtOnce() <= 8, "never more calls at once than totango.max-in-flight: " + totango.mostAtOnce());
            assertEquals(100, totango.received().stream().filter(r -> r.status() == 200).map(r -> r.param("sdr_u")).distinct().count());
        }
    }

    private static long metric(RunningBundle bundle, String name) {
        String text = bundle.send(bundle.request("/observe/metrics").GET().build()).body();
        Matcher value = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.Ee+-]+)$").matcher(text);
        assertTrue(value.find(), name + " in " + text.length() + " characters of metrics");
        return (long) Double.parseDouble(value.group(2));
    }
}
