package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.TrackMessage;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.github.segmenttotango.support.RunningBundle.accepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Delivery to Totango through the real routes: Segment's own Java client in, retries, dead letters. */
class DeliveryThroughRoutesTest {

    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("totango.api-token", "secret-token", "delivery.retry.window", "1500ms"));
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    @Test
    void segmentsOwnJavaClientDeliversThroughTheBundle() throws Exception {
        Analytics analytics = Analytics.builder(RunningBundle.WRITE_KEY).endpoint(bundle.baseUrl()).flushQueueSize(10).build();
        try {
            analytics.enqueue(GroupMessage.builder("java-g").userId("java-u").traits(Map.of("name", "Java Corp", "plan", "Enterprise")));
            analytics.enqueue(IdentifyMessage.builder().userId("java-u").traits(Map.of("email", "j@corp.co")));
            analytics.enqueue(TrackMessage.builder("Report Exported").userId("java-u").properties(Map.of("category", "Reports")));
            analytics.enqueue(PageMessage.builder("Settings").userId("java-u").properties(Map.of("category", "Admin")));
            analytics.flush();
        } finally {
            analytics.shutdown();
        }
        List<Received> calls = totango.awaitUser("java-u", 5);
        assertEquals("java-g", calls.get(0).param("sdr_o"));
        assertEquals("Java Corp", calls.get(0).param("sdr_odn"));
        assertEquals("Enterprise", calls.get(0).param("sdr_o.plan"));
        assertEquals("j@corp.co", calls.get(1).param("sdr_u.email"));
        assertEquals("java-g", calls.get(1).param("sdr_o"), "identify finds the account from the earlier group call");
        assertEquals("Report Exported", calls.get(2).param("sdr_a"));
        assertEquals("Reports", calls.get(2).param("sdr_m"));
        assertEquals(List.of("Viewed Admin Page", "Viewed Admin Settings Page"),
                calls.subList(3, 5).stream().map(c -> c.param("sdr_a")).toList());
        calls.forEach(call -> assertEquals("secret-token", call.param("api-token"), "the configured api token is sent"));
    }

    @Test
    void aCallTotangoFailsWith5xxIsSentAgainUntilItIsTaken() {
        totango.answerNext(500, 503, 502);
        accepted(bundle.post("/v1/track", """
                {"userId":"retry-u","event":"Retried","context":{"groupId":"g"}}"""));
        List<Received> attempts = totango.awaitUser("retry-u", 4);
        assertTrue(attempts.stream().allMatch(a -> "Retried".equals(a.param("sdr_a"))));
        TotangoStandIn.class.getName();
        accepted(bundle.post("/v1/track", """
                {"userId":"retry-u","event":"After","context":{"groupId":"g"}}"""));
        totango.await(r -> "After".equals(r.param("sdr_a")), 1);
        assertEquals(5, totango.forUser("retry-u").size(), "three failures, the success, then the next event: delivered once");
    }

    @Test
    void aCallTotangoRefusesWith4xxIsADeadLetterAtOnce() {
        totango.answerNext(400);
        accepted(bundle.post("/v1/track", """
                {"userId":"refused-u","event":"Refused","messageId":"refused-1","context":{"groupId":"g"}}"""));
        JsonNode letter = bundle.awaitDeadLetter("totango_4xx", "refused-1");
        assertEquals(400, letter.path("status").asInt());
        assertEquals("status 400", letter.path("response").asText());
        assertEquals("Refused", letter.path("payload").path("params").path("sdr_a").asText());
        assertEquals(1, totango.forUser("refused-u").size(), "not sent again");
        assertTrue(!letter.toString().contains("secret-token"), "the api token is not kept in dead letters");
    }

    @Test
    void aCallThatKeepsFailingIsADeadLetterWhenTheRetryWindowHasPassed() {
        totango.answerNext(java.util.stream.IntStream.range(0, 100).map(i -> 503).toArray());
        try {
            accepted(bundle.post("/v1/track", """
                    {"userId":"exhausted-u","event":"Never","messageId":"exhausted-1","context":{"groupId":"g"}}"""));
            JsonNode letter = bundle.awaitDeadLetter("retries_exhausted", "exhausted-1");
            assertEquals(503, letter.path("status").asInt());
            int calls = totango.forUser("exhausted-u").size();
            assertTrue(calls >= 3, "retried with backoff within the 1.5 s window: " + calls);
            assertEquals(calls, letter.path("attempts").asInt(), "every attempt is counted");
            assertTrue(letter.path("firstFailureAt").asText().compareTo(letter.path("lastFailureAt").asText()) < 0,
                    "first and last failure times: " + letter);
        } finally {
            totango.stopScript();
        }
    }

    @Test
    void retryAfterFromTotangoIsHonoured() {
        totango.answerNext(429);
        totango.retryAfterSeconds(1);
        try {
            accepted(bundle.post("/v1/track", """
                    {"userId":"slow-down-u","event":"Later","context":{"groupId":"g"}}"""));
            List<Received> attempts = totango.awaitUser("slow-down-u", 2);
            long waited = attempts.get(1).at() - attempts.get(0).at();
            assertTrue(waited >= 950, "the retry waited Retry-After (1 s), not the 50 ms backoff: " + waited + " ms");
        } finally {
            totango.retryAfterSeconds(0);
        }
    }

    @Test
    void whenTotangoIsDownIngestGoesOnAndTheBacklogDrainsInOrderWhenItReturns() {
        totango.downFor(java.time.Duration.ofSeconds(1));
        for (int i = 0; i < 21; i++) {
            accepted(bundle.post("/v1/track", "{\"userId\":\"outage-u" + (i % 3) + "\",\"event\":\"O" + i
                    + "\",\"context\":{\"groupId\":\"g\"}}"));
        }
        for (int user = 0; user < 3; user++) {
            int first = user;
            List<String> expected = java.util.stream.IntStream.range(0, 21).filter(n -> n % 3 == first).mapToObj(n -> "O" + n).toList();
            String name = "outage-u" + user;
            List<String> order = totango.await(r -> name.equals(r.param("sdr_u")) && r.status() == 200, expected.size(),
                    java.time.Duration.ofSeconds(30)).stream().map(r -> r.param("sdr_a")).toList();
            assertEquals(expected, order, "every call of " + name + " taken once, in order, after the outage");
            assertTrue(totango.forUser(name).stream().anyMatch(r -> r.status() == 503), "the outage was felt");
        }
    }

    @Test
    void pastTheBacklogBoundIngestAnswers503WithRetryAfter() throws Exception {
        try (TotangoStandIn down = new TotangoStandIn();
                RunningBundle small = RunningBundle.start(down, Map.of("delivery.max-backlog", "5", "totango.max-in-flight", "1"))) {
            down.downFor(java.time.Duration.ofSeconds(30));
            java.net.http.HttpResponse<String> answer = null;
            for (int i = 0; i < 50; i++) {
                answer = small.post("/v1/track", "{\"userId\":\"bp-u\",\"event\":\"B" + i + "\",\"context\":{\"groupId\":\"g\"}}");
                if (answer.statusCode() == 503) {
                    break;
                }
                assertEquals(200, answer.statusCode(), answer.body());
            }
            assertEquals(503, answer.statusCode(), "the backlog bound must be reached within 50 events");
            assertTrue(answer.body().contains("backlog_full"), answer.body());
            assertEquals("30", answer.headers().firstValue("Retry-After").orElse(""));
            down.downFor(java.time.Duration.ZERO);
        }
    }

    /** Requests that come together share one message of the events queue (EventsQueueWriterTest): none is lost or mixed up. */
    @Test
    void requestsSentAtOnceEachArriveOnceInTheirUsersOrder() throws Exception {
        int clients = 8;
        int requests = 10;
        int events = 5;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String user = "together-u" + c;
                sent.add(pool.submit(() -> {
                    for (int r = 0; r < requests; r++) {
                        StringBuilder batch = new StringBuilder("{\"batch\":[");
                        for (int e = 0; e < events; e++) {
                            batch.append(e == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"").append(user)
                                    .append("\",\"event\":\"T").append(r * events + e).append("\",\"context\":{\"groupId\":\"g\"}}");
                        }
                        accepted(bundle.post("/v1/batch", batch.append("]}").toString()));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> client : sent) {
                client.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> inOrder = java.util.stream.IntStream.range(0, requests * events).mapToObj(n -> "T" + n).toList();
        for (int c = 0; c < clients; c++) {
            String user = "together-u" + c;
            List<String> arrived = totango.await(r -> user.equals(r.param("sdr_u")) && r.status() == 200, requests * events)
                    .stream().map(r -> r.param("sdr_a")).toList();
            assertEquals(inOrder, arrived, user);
        }
        bundle.awaitIdle();
        for (int c = 0; c < clients; c++) {
            assertEquals(requests * events, totango.forUser("together-u" + c).stream().filter(r -> r.status() == 200).count(),
                    "no event arrives twice");
        }
    }

    @Test
    void whenTheQueueItselfIsFullIngestAnswers503AndLosesNothingItAcknowledged() throws Exception {
        try (TotangoStandIn down = new TotangoStandIn();
                RunningBundle tiny = RunningBundle.start(down, Map.of("delivery.queue.max-bytes", "20000", "totango.max-in-flight", "1"))) {
            down.downFor(java.time.Duration.ofSeconds(30));
            java.net.http.HttpResponse<String> answer = null;
            List<String> acknowledged = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                answer = tiny.post("/v1/track", "{\"userId\":\"full-u\",\"event\":\"F" + i + "\",\"context\":{\"groupId\":\"g\"}}");
                if (answer.statusCode() != 200) {
                    break;
                }
                acknowledged.add("F" + i);
            }
            assertEquals(503, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("queue_unavailable"), answer.body());
            assertTrue(answer.headers().firstValue("Retry-After").isPresent());
            assertTrue(tiny.deadLetters().isEmpty(), "a refused event is the client's to send again, not a dead letter: " + tiny.deadLetters());
            down.downFor(java.time.Duration.ZERO);
            // the reader waited on the full delivery queue with the events queued: once Totango is
            // back, every acknowledged event arrives, once and in order
            List<String> order = down.await(r -> "full-u".equals(r.param("sdr_u")) && r.status() == 200, acknowledged.size(),
                    java.time.Duration.ofSeconds(90)).stream().map(r -> r.param("sdr_a")).toList();
            assertEquals(acknowledged, order);
        }
    }
}
