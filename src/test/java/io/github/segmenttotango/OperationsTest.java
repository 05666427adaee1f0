package io.github.segmenttotango;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What operators rely on: metrics, readiness, a clean stop on SIGTERM, a clear refusal to start. */
class OperationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void metricsCountEventsCallsAndDeadLetters() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango)) {
            totango.answerNext(500, 400);
            assertEquals(200, bundle.post("/v1/batch", """
                    {"batch":[{"type":"track","userId":"m-u","event":"Retried then refused","messageId":"m-2","context":{"groupId":"g"}},
                              {"type":"track","userId":"m-u","event":"Delivered","messageId":"m-1","context":{"groupId":"g"}},
                              {"type":"identify","userId":"m-u","messageId":"m-3","context":{"groupId":"g"}},
                              {"type":"group","userId":"m-u","messageId":"m-4"}]}""").statusCode());
            StringBuilder hostile = new StringBuilder("{\"batch\":[");
            for (int i = 0; i < 50; i++) {
                hostile.append(i == 0 ? "" : ",").append("{\"type\":\"evil-").append(i).append("\\n# x{y=\\\"z\\\"} 1\",\"userId\":\"m-u\"}");
            }
            HttpResponse<String> refused = bundle.post("/v1/batch", hostile.append("]}").toString());
            assertEquals(400, refused.statusCode(), refused.body());
            bundle.awaitDeadLetter("totango_4xx", "m-2");
            totango.await(r -> r.status() == 200 && "m-u".equals(r.param("sdr_u")), 2);
            // Waits until every figure is what it ends up being, all at once. It used to wait 10 s for
            // two of them (delivered 2, backlog 0) and then go on silently: on a loaded machine it
            // failed on whichever line came first, with no sign that the wait had run out. (Backlog 0
            // does order the rest: the queue counts a message in delivery until its commit, after the
            // last call was counted and its latency recorded; the other figures are written before
            // the answer to the request, or before that delivery.)
            Wait.atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertMetrics(bundle.send(bundle.request("/observe/metrics").GET().build()).body()));
        }
    }

    private static void assertMetrics(String metrics) {
        assertTrue(metrics.contains("segment_events_received_total{type=\"track\"} 2.0"), metrics);
        assertTrue(metrics.contains("segment_events_accepted_total{type=\"identify\"} 1.0"), metrics);
        assertTrue(metrics.contains("segment_dead_letters_total{reason=\"invalid_event\",type=\"group\"} 1.0"), metrics);
        assertTrue(metrics.contains("segment_dead_letters_total{reason=\"invalid_event\",type=\"other\"} 50.0"), metrics);
        assertFalse(metrics.contains("evil"), "no value a client sends becomes a label: " + metrics);
        assertTrue(metrics.contains("segment_dead_letters_total{reason=\"totango_4xx\",type=\"none\"} 1.0"), metrics);
        assertTrue(metrics.contains("totango_calls_retried_total 1.0"), metrics);
        assertTrue(metrics.contains("totango_calls_delivered_total 2.0"), metrics);
        assertTrue(metrics.contains("totango_delivery_latency_seconds_count 2\n"), metrics);
        assertTrue(metrics.contains("totango_delivery_backlog 0.0"), metrics);
        assertTrue(metrics.contains("segment_events_parked 0.0"), metrics);
        assertTrue(metrics.contains("segment_requests_queued 0.0"), metrics);
        assertTrue(metrics.contains("segment_routing_deferred 0.0"), "routing waits for no burst once it is over: " + metrics);
    }

    @Test
    void notReadyWhileAFolderItWritesToIsUnusable() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango)) {
            java.util.regex.Matcher probes = java.util.regex.Pattern.compile("path: (/observe/\\S+)")
                    .matcher(Files.readString(Path.of("deploy/kubernetes/segment-totango.yaml")));
            int found = 0;
            while (probes.find()) {
                found++;
                assertEquals(200, bundle.send(bundle.request(probes.group(1)).GET().build()).statusCode(),
                        "the Kubernetes probe " + probes.group(1));
            }
            assertEquals(2, found, "readiness and liveness probes in deploy/kubernetes");
            Path deadLetters = bundle.dataDir().resolve("dead-letter");
            Files.delete(deadLetters);
            Files.writeString(deadLetters, "not a folder");
            HttpResponse<String> ready = bundle.send(bundle.request("/observe/health").GET().build());
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("DOWN"), ready.body());
            Files.delete(deadLetters);
            Files.createDirectory(deadLetters);
            assertEquals(200, bundle.send(bundle.request("/observe/health").GET().build()).statusCode());
        }
    }

    @Tag("process")
    @Test
    void sigtermStopsCleanlyWithExitZeroAndKeepsTheBacklog(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn()) {
            totango.answerAfter(Duration.ofMillis(100));
            Map<String, String> env = Map.of("TOTANGO_SERVICE_ID", "SP-STOP", "TOTANGO_URL", totango.url(),
                    "BRIDGE_DATA_DIR", data.toString(), "TOTANGO_MAX_IN_FLIGHT", "1", "CAMEL_MAIN_SHUTDOWN_TIMEOUT", "5");
            try (BundleProcess bundle = BundleProcess.launch(env).awaitHealthy()) {
                StringBuilder batch = new StringBuilder("{\"batch\":[");
                for (int i = 0; i < 40; i++) {
                    batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"stop-u\",\"event\":\"S").append(i)
                            .append("\",\"context\":{\"groupId\":\"g\"}}");
                }
                assertEquals(200, bundle.post("/v1/batch", "any-key", batch.append("]}").toString()).statusCode());
                bundle.process().destroy();
                assertTrue(bundle.process().waitFor(60, TimeUnit.SECONDS), "stopped in time");
                assertEquals(0, bundle.process().exitValue(), bundle.log());
                assertTrue(totango.forUser("stop-u").size() < 40, "the stop came with a backlog");
            }
            try (BundleProcess again = BundleProcess.launch(env).awaitHealthy()) {
                totango.await(r -> "stop-u".equals(r.param("sdr_u")) && r.status() == 200, 40, Duration.ofSeconds(60));
            }
        }
    }

    @Tag("process")
    @Test
    void whileItStopsEveryTrackingApiAnswerIsJsonAndA503SaysWhenToComeBack(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                BundleProcess bundle = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "SP-STOP", "TOTANGO_URL", totango.url(),
                        "BRIDGE_DATA_DIR", data.toString())).awaitHealthy()) {
            java.util.concurrent.ConcurrentLinkedQueue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> clients = new java.util.ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Thread client = new Thread(() -> {
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (!closed.get() && System.nanoTime() < deadline) {
                        HttpResponse<String> answer;
                        try {
                            answer = bundle.post("/v1/batch", "k", "{\"batch\":[{\"type\":\"track\",\"userId\":\"s\",\"event\":\"E\"}]}");
                        } catch (Exception serverClosed) {
                            closed.set(true);
                            break;
                        }
                        String type = answer.headers().firstValue("Content-Type").orElse("");
                        if (answer.statusCode() == 200 && answer.body().contains("\"success\":true")) {
                            accepted.incrementAndGet();
                        } else if (answer.statusCode() == 503 && type.startsWith("application/json")
                                && answer.body().contains("\"code\":") && answer.headers().firstValue("Retry-After").isPresent()) {
                            refused.incrementAndGet();
                        } else {
                            wrong.add(answer.statusCode() + " " + type + " " + answer.headers().map() + " " + answer.body());
                        }
                    }
                });
                client.start();
                clients.add(client);
            }
            // the stop comes while the clients are being served
            Wait.atMost(Duration.ofSeconds(30)).until(() -> accepted.get() >= 20 || closed.get());
            bundle.process().destroy();
            assertTrue(bundle.process().waitFor(30, TimeUnit.SECONDS), "stopped in time");
            for (Thread client : clients) {
                client.join(30_000);
            }
            assertTrue(accepted.get() > 0, "the clients were served before the stop");
            assertTrue(wrong.isEmpty(), wrong.size() + " answers that are not JSON with Retry-After, e.g. " + wrong.peek() + "\n" + bundle.log());
            System.out.println("While stopping: " + accepted + " accepted, " + refused + " refused with 503 and Retry-After");
        }
    }

    @Test
    void aStoppedBundleHasClosedItsStateDatabase(@TempDir Path data) throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("bridge.data-dir", data.toString()))) {
            assertEquals(200, bundle.post("/v1/track", """
                    {"type":"track","userId":"closed-u","event":"E","messageId":"closed-1","context":{"groupId":"g"}}""").statusCode());
            totango.await(r -> "closed-u".equals(r.param("sdr_u")), 1);
        }
        // H2 holds a lock on its file while the database is open; a lock taken here means it closed.
        try (FileChannel file = FileChannel.open(data.resolve("state/bridge.mv.db"), StandardOpenOption.WRITE);
                FileLock lock = file.tryLock()) {
            assertNotNull(lock, "the state database is still open after the bundle stopped");
        } catch (OverlappingFileLockException stillOpen) {
            throw new AssertionError("the state database is still open after the bundle stopped", stillOpen);
        }
    }

    @Tag("process")
    @Test
    void jsonLogsAreOneObjectPerLineWithTheReasonOfEachDeadLetter(@TempDir Path data) throws Exception {
        String log;
        try (BundleProcess bundle = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_LOG_FORMAT", "json",
                "BRIDGE_DATA_DIR", data.toString())).awaitHealthy()) {
            assertEquals(200, bundle.post("/v1/batch", "k", "{\"batch\":[{\"type\":\"group\",\"userId\":\"j\",\"messageId\":\"json-1\"},"
                    + "{\"type\":\"track\",\"userId\":\"j\",\"event\":\"E\",\"context\":{\"groupId\":\"g\"}}]}").statusCode());
            log = Wait.atMost(Duration.ofSeconds(15)).until(bundle::log, text -> text.contains("messageId=json-1"));
        }
        int lines = 0;
        boolean deadLetterLine = false;
        for (String line : log.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            var entry = JSON.readTree(line);
            lines++;
            String message = entry.path("formattedMessage").asText();
            deadLetterLine |= message.contains("reason=invalid_event") && message.contains("messageId=json-1");
        }
        assertTrue(lines > 10, "a JSON log: " + log);
        assertTrue(deadLetterLine, "one line per dead letter, with reason and messageId: " + log);
    }

    @Tag("process")
    @Test
    void noValueFromTheInputBreaksALogLine(@TempDir Path data) throws Exception {
        String log;
        try (BundleProcess bundle = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_DATA_DIR", data.toString()))
                .awaitHealthy()) {
            assertEquals(400, bundle.post("/v1/batch", "k", "{\"batch\":[{\"type\":\"x\\r\\nFORGED type\",\"userId\":\"l\","
                    + "\"messageId\":\"m\\nFORGED messageId\\u0000\\u001b[31m\"}]}").statusCode());
            log = Wait.atMost(Duration.ofSeconds(15)).until(bundle::log, text -> text.contains("FORGED type"));
        }
        assertTrue(log.contains("FORGED type"), "the dead letter is logged: " + log);
        assertTrue(log.contains("HttpServer started on 127.0.0.1:"), "the log says where the server listens: " + log);
        assertFalse(log.contains("0.0.0.0"), "and names no address it does not listen on: " + log);
        for (String line : log.split("\n")) {
            assertFalse(line.startsWith("FORGED"), "a value from the input began a log line: " + line);
            assertFalse(line.contains("\u0000") || line.contains("\u001b") || line.contains("\r"), "a control character in the log: " + line);
        }
    }

    @Tag("process")
    @Test
    void aPortInUseStopsTheStartWithAClearMessage(@TempDir Path data) throws Exception {
        try (ServerSocket taken = new ServerSocket(0);
                BundleProcess bundle = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "S",
                        "BRIDGE_DATA_DIR", data.toString(),
                        "CAMEL_SERVER_PORT", String.valueOf(taken.getLocalPort())))) {
            assertTrue(bundle.process().waitFor(60, TimeUnit.SECONDS), "the bundle should have stopped");
            assertNotEquals(0, bundle.process().exitValue());
            assertTrue(bundle.log().contains("segment-totango cannot start: camel.server.port (CAMEL_SERVER_PORT) " + taken.getLocalPort()
                            + " on 127.0.0.1 cannot be used"),
                    bundle.log());
        }
    }
}
