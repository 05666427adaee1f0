package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static io.github.segmenttotango.support.RunningBundle.accepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Segment Tracking API of the running bundle: paths, write keys, bodies, limits and dedup. */
class TrackingApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("delivery.park-window", "500ms",
                // 3 s: short enough for the trickling client's test, long enough for every other request on a
                // loaded machine (at 1 s, a plain request was once cut off with 503 at load average 15)
                "delivery.park-check-interval", "200ms", "segment.request-timeout", "3s"));
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static HttpRequest.Builder post(String path, String contentType) {
        return bundle.request(path).header("Content-Type", contentType).header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY));
    }

    private static JsonNode assertRefused(HttpResponse<String> response, int status, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), response.headers().toString());
        try {
            JsonNode body = JSON.readTree(response.body());
            assertEquals(code, body.path("code").asText(), response.body());
            assertFalse(body.path("message").asText().isEmpty());
            assertFalse(response.body().contains("\tat "), "no stack trace in an answer");
            return body;
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + response.body(), e);
        }
    }

    @Test
    void everyCallPathShortFormAndTrailingSlashIsAccepted() {
        Map<String, String> single = Map.of("identify", "{\"userId\":\"path-u\",\"traits\":{}}",
                "group", "{\"userId\":\"path-u\",\"groupId\":\"path-g\"}",
                "track", "{\"userId\":\"path-u\",\"event\":\"E\"}",
                "page", "{\"userId\":\"path-u\",\"name\":\"P\"}",
                "screen", "{\"userId\":\"path-u\",\"name\":\"S\"}",
                "alias", "{\"userId\":\"path-u\",\"previousId\":\"old\"}");
        single.forEach((call, json) -> {
            for (String path : List.of("/v1/" + call, "/v1/" + call + "/", "/v1/" + call.charAt(0))) {
                HttpResponse<String> response = bundle.send(post(path, "application/json").POST(BodyPublishers.ofString(json)).build());
                assertEquals(200, response.statusCode(), path + ": " + response.body());
            }
        });
        for (String path : List.of("/v1/batch", "/v1/batch/", "/v1/b", "/v1/import", "/v1/import/")) {
            HttpResponse<String> response = bundle.send(post(path, "application/json")
                    .POST(BodyPublishers.ofString("{\"batch\":[{\"type\":\"track\",\"userId\":\"path-u\",\"event\":\"B\"}]}")).build());
            assertEquals(200, response.statusCode(), path + ": " + response.body());
        }
        assertRefused(bundle.send(post("/v1/nothing", "application/json").POST(BodyPublishers.ofString("{}")).build()), 404, "unknown_call");
    }

    @Test
    void aClientTricklingItsBodyIsCutOffByTheRequestTimeout() throws Exception {
        try (java.net.Socket slow = new java.net.Socket("127.0.0.1", java.net.URI.create(bundle.baseUrl()).getPort())) {
            slow.setSoTimeout(15_000);
            var out = slow.getOutputStream();
            out.write(("POST /v1/track HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: " + RunningBundle.basic(RunningBundle.WRITE_KEY) + "\r\nContent-Length: 200\r\n\r\n{\"userId\":")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(slow.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            long waited = (System.nanoTime() - started) / 1_000_000;
            assertTrue(statusLine != null && statusLine.contains(" 503"), "answered: " + statusLine);
            assertTrue(waited < 12_000, "cut off after the 3 s request timeout, not after " + waited + " ms");
        }
    }

    @Test
    void theAdminApiIsOffWithoutAToken() {
        assertRefused(bundle.send(bundle.request("/admin/dead-letter").header("Authorization", "Bearer anything").GET().build()),
                404, "admin_disabled");
    }

    @Test
    void onlyPostIsAllowed() {
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH")) {
            HttpResponse<String> response = bundle.send(bundle.request("/v1/track").method(method, BodyPublishers.noBody()).build());
            assertRefused(response, 405, "method_not_allowed");
            assertEquals("POST", response.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void byDefaultAWebPageOfAnyOriginMayCallAndReadTheAnswers() {
        HttpResponse<String> preflight = bundle.send(bundle.request("/v1/i").header("Origin", "https://any.example.org")
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization")
                .method("OPTIONS", BodyPublishers.noBody()).build());
        assertEquals(204, preflight.statusCode(), preflight.body());
        assertEquals("https://any.example.org", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null),
                "segment.cors.allowed-origins=* answers each page with its own origin");
        HttpResponse<String> answer = bundle.send(post("/v1/i", "text/plain").header("Origin", "http://localhost:3000")
                .POST(BodyPublishers.ofString("{\"userId\":\"any-origin-u\",\"traits\":{}}")).build());
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("http://localhost:3000", answer.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertFalse(answer.headers().firstValue("Access-Control-Allow-Credentials").isPresent());
    }

    @Test
    void aMissingOrUnknownWriteKeyIs401AndTheKeyIsNotEchoed() {
        String json = "{\"userId\":\"key-u\",\"event\":\"E\",\"context\":{\"groupId\":\"g\"}}";
        assertRefused(bundle.send(bundle.request("/v1/track").header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json)).build()), 401, "missing_write_key");
        HttpResponse<String> unknown = bundle.send(bundle.request("/v1/track").header("Content-Type", "application/json")
                .header("Authorization", RunningBundle.basic("guessed-key")).POST(BodyPublishers.ofString(json)).build());
        assertRefused(unknown, 401, "unknown_write_key");
        assertFalse(unknown.body().contains("guessed-key"));
        assertRefused(bundle.send(bundle.request("/v1/track").header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"writeKey\":\"wrong\",\"userId\":\"key-u\",\"event\":\"E\"}")).build()), 401, "unknown_write_key");
    }

    @Test
    void textPlainAndGzipBodiesAreAccepted() throws IOException {
        HttpResponse<String> plain = bundle.send(post("/v1/t", "text/plain;charset=UTF-8")
                .POST(BodyPublishers.ofString("{\"userId\":\"body-u\",\"event\":\"Plain\",\"context\":{\"groupId\":\"g\"}}")).build());
        assertEquals(200, plain.statusCode(), plain.body());
        byte[] zipped = gzip("{\"batch\":[{\"type\":\"track\",\"userId\":\"body-u\",\"event\":\"Zipped\",\"context\":{\"groupId\":\"g\"}}]}"
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> gzip = bundle.send(post("/v1/batch", "application/json").header("Content-Encoding", "gzip")
                .POST(BodyPublishers.ofByteArray(zipped)).build());
        assertEquals(200, gzip.statusCode(), gzip.body());
        assertEquals(List.of("Plain", "Zipped"), totango.awaitUser("body-u", 2).stream().map(c -> c.param("sdr_a")).toList());
    }

    @Test
    void aGzipBombIsRefusedWhileInflating() throws IOException {
        byte[] bomb = gzip(new byte[200 * 1024 * 1024]);
        assertTrue(bomb.length < 400_000, "200 MB of zeros zip to " + bomb.length + " bytes");
        long before = System.nanoTime();
        assertRefused(bundle.send(post("/v1/batch", "application/json").header("Content-Encoding", "gzip")
                .POST(BodyPublishers.ofByteArray(bomb)).build()), 413, "request_too_large");
        assertTrue(System.nanoTime() - before < 5_000_000_000L, "refused early, not after inflating 200 MB");
    }

    @Test
    void aJsonBodyIsReadUnderAnyContentTypeButMultipart() throws IOException {
        String json = "{\"userId\":\"ctype-u\",\"event\":\"%s\",\"context\":{\"groupId\":\"g\"}}";
        List<String> types = List.of("application/x-www-form-urlencoded", "text/plain", "application/xml",
                "application/json; charset=ISO-8859-1", "application/octet-stream", "none");
        for (String type : types) {
            HttpRequest.Builder request = type.equals("none")
                    ? bundle.request("/v1/track").header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY))
                    : post("/v1/track", type);
            HttpResponse<String> response = bundle.send(request.POST(BodyPublishers.ofString(json.formatted(type))).build());
            assertEquals(200, response.statusCode(), type + ": " + response.body());
        }
        HttpResponse<String> zippedForm = bundle.send(post("/v1/batch", "application/x-www-form-urlencoded").header("Content-Encoding", "gzip")
                .POST(BodyPublishers.ofByteArray(gzip("{\"batch\":[%s]}".formatted(json.formatted("zipped form").replace("{\"userId", "{\"type\":\"track\",\"userId"))
                        .getBytes(StandardCharsets.UTF_8)))).build());
        assertEquals(200, zippedForm.statusCode(), zippedForm.body());
        List<String> expected = new java.util.ArrayList<>(types);
        expected.add("zipped form");
        assertEquals(expected, totango.awaitUser("ctype-u", expected.size()).stream().map(c -> c.param("sdr_a")).toList());

        assertRefused(bundle.send(post("/v1/track", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("a=b&{}=c&CamelHttpUri=http://evil")).build()), 400, "invalid_json");
        assertRefused(bundle.send(post("/v1/track", "text/plain").POST(BodyPublishers.ofString("<a/>")).build()), 400, "invalid_json");
        assertRefused(bundle.send(post("/v1/track", "multipart/form-data; boundary=XyZ")
                .POST(BodyPublishers.ofString("--XyZ\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\nv\r\n--XyZ--\r\n")).build()),
                415, "unsupported_media_type");
    }

    @Test
    void malformedBodiesAre400WithAJsonBody() {
        assertRefused(send("/v1/track", "{\"userId\":"), 400, "invalid_json");
        assertRefused(send("/v1/track", "not json"), 400, "invalid_json");
        assertRefused(send("/v1/track", "[]"), 400, "invalid_shape");
        assertRefused(send("/v1/batch", "{\"batch\":\"no\"}"), 400, "invalid_shape");
        assertRefused(send("/v1/track", "{\"a\":".repeat(100) + "1" + "}".repeat(100)), 400, "limit_exceeded");
        assertRefused(send("/v1/track", "{\"userId\":\"u\",\"event\":\"E\",\"n\":" + "1".repeat(5000) + "}"), 400, "limit_exceeded");
        assertRefused(send("/v1/track", "{\"event\":\"E\"}"), 400, "invalid_event");
        assertRefused(send("/v1/track", ""), 400, "invalid_json");
    }

    @Test
    void limitsOfSegmentAreEnforced() {
        StringBuilder tooMany = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2501; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"}");
        }
        assertRefused(send("/v1/batch", tooMany.append("]}").toString()), 400, "too_many_events");
        assertRefused(send("/v1/batch", "{\"batch\":[],\"pad\":\"" + "p".repeat(520_000) + "\"}"), 413, "request_too_large");
        HttpResponse<String> mixed = send("/v1/batch", "{\"batch\":[{\"type\":\"track\",\"userId\":\"limit-u\",\"event\":\"Big\",\"messageId\":\"big-1\","
                + "\"properties\":{\"p\":\"" + "x".repeat(40_000) + "\"}},{\"type\":\"track\",\"userId\":\"limit-u\",\"event\":\"Small\","
                + "\"context\":{\"groupId\":\"g\"}}]}");
        assertEquals(200, mixed.statusCode(), mixed.body());
        assertTrue(mixed.body().contains("\"accepted\":1") && mixed.body().contains("\"rejected\":1"), mixed.body());
        totango.awaitUser("limit-u", 1);
        JsonNode letter = bundle.awaitDeadLetter("invalid_event", "big-1");
        assertTrue(letter.path("detail").asText().contains("larger than 32768 bytes"), letter.toString());
        assertEquals(32 * 1024, letter.path("payload").asText().length(), "a refused event keeps at most its first 32 KB");
        assertTrue(letter.path("payload").asText().startsWith("{\"type\":\"track\",\"userId\":\"limit-u\""));
    }

    @Test
    void invalidEventsAreRefusedAloneKeptWithTheirReasonAndTheRestGoesThrough() {
        HttpResponse<String> response = send("/v1/batch", """
                {"batch":[
                  {"type":"track","userId":"mix-u","event":"Good 1","context":{"groupId":"g"}},
                  {"type":"group","userId":"mix-u","messageId":"bad-no-group"},
                  {"type":"track","event":"no user","messageId":"bad-no-user"},
                  {"event":"no type","userId":"mix-u","messageId":"bad-no-type"},
                  {"type":"track","userId":"mix-u","event":"Good 2","context":{"groupId":"g"}}
                ]}""");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"accepted\":2") && response.body().contains("\"rejected\":3"), response.body());
        assertTrue(response.body().contains("the group event has no groupId"), response.body());
        assertEquals(List.of("Good 1", "Good 2"), totango.awaitUser("mix-u", 2).stream().map(c -> c.param("sdr_a")).toList());
        JsonNode noGroup = bundle.awaitDeadLetter("invalid_event", "bad-no-group");
        assertEquals("event 1: the group event has no groupId", noGroup.path("detail").asText());
        assertEquals("http", noGroup.path("source").asText(), noGroup.toString());
        bundle.awaitDeadLetter("invalid_event", "bad-no-user");
        bundle.awaitDeadLetter("invalid_event", "bad-no-type");
        HttpResponse<String> allBad = send("/v1/batch", "{\"batch\":[{\"type\":\"track\",\"event\":\"no user\"}]}");
        assertRefused(allBad, 400, "invalid_events");
    }

    @Test
    void extremeNumbersAndDatesAreRefusedAloneAndTheirNeighboursGoThrough() {
        HttpResponse<String> batch = send("/v1/batch", """
                {"batch":[
                  {"type":"track","userId":"extreme-u","event":"Before","context":{"groupId":"g"}},
                  {"type":"track","userId":"extreme-u","event":"E","messageId":"huge-number","properties":{"n":1E+2147483648}},
                  {"type":"track","userId":"extreme-u","event":"E","messageId":"far-future","timestamp":"+999999999-01-01T00:00:00Z"},
                  {"type":"track","userId":"extreme-u","event":"After","context":{"groupId":"g"}}
                ],"sentAt":"-999999999-01-01T00:00:00Z"}""");
        assertEquals(200, batch.statusCode(), batch.body());
        assertTrue(batch.body().contains("\"accepted\":2") && batch.body().contains("\"rejected\":2"), batch.body());
        assertEquals(List.of("Before", "After"), totango.awaitUser("extreme-u", 2).stream().map(c -> c.param("sdr_a")).toList());
        bundle.awaitDeadLetter("invalid_event", "far-future");
        JsonNode huge = assertRefused(send("/v1/track", "{\"userId\":\"extreme-u\",\"event\":\"E\",\"properties\":{\"n\":1E+2147483648}}"), 400, "invalid_event");
        assertEquals("The event cannot be read: a number is out of range (Exponent overflow.)", huge.path("message").asText());
        JsonNode longNumber = assertRefused(send("/v1/track", "{\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"n\":" + "9".repeat(200) + "}}"), 400, "limit_exceeded");
        assertFalse(longNumber.path("message").asText().contains("StreamReadConstraints") || longNumber.path("message").asText().contains("`"),
                "no Java class or setting in an answer: " + longNumber);
        assertRefused(send("/v1/track", "{\"userId\":\"extreme-u\",\"event\":\"E\",\"sentAt\":\"+999999999-01-01T00:00:00Z\"}"), 400, "invalid_event");
    }

    @Test
    void pathsAndMethodsNoRouteTakesAreAnsweredInJson() {
        for (String path : List.of("/v1/", "/v1", "/v1/batch/x", "/v1/nope", "/v1/track/x/y")) {
            assertRefused(bundle.send(post(path, "application/json").POST(BodyPublishers.ofString("{}")).build()), 404, "unknown_call");
        }
        assertRefused(bundle.send(post("/v1/track", "application/json").method("TRACE", BodyPublishers.noBody()).build()), 405, "method_not_allowed");
        assertEquals(200, send("/v1/track", "{\"userId\":\"u\",\"event\":\"Still served\"}").statusCode(), "the real routes come first");
    }

    @Test
    void requestsTheServerCannotDecodeAreAnsweredInJson() throws Exception {
        assertRefused(bundle.send(post("/v1/track", "application/json").header("X-Padding", "p".repeat(10_000))
                .POST(BodyPublishers.ofString("{}")).build()), 431, "headers_too_large");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", java.net.URI.create(bundle.baseUrl()).getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /v1/" .concat("x".repeat(5000)).concat(" HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.") && answer.contains(" 414 ") && answer.contains("\"code\":\"request_line_too_long\""), answer);
        }
    }

    @Test
    void theQueryStringSetsNoHeaderTheRoutesRead() {
        HttpResponse<String> asPreview = bundle.send(post("/v1/track?call=preview&Content-Encoding=gzip", "application/json")
                .POST(BodyPublishers.ofString("{\"userId\":\"query-u\",\"event\":\"Tracked\",\"context\":{\"groupId\":\"g\"}}")).build());
        assertEquals(200, asPreview.statusCode(), asPreview.body());
        assertTrue(asPreview.body().contains("\"success\":true"), "a track, not a preview: " + asPreview.body());
        assertEquals("Tracked", totango.awaitUser("query-u", 1).get(0).param("sdr_a"));
        String key = "?Authorization=" + java.net.URLEncoder.encode(RunningBundle.basic(RunningBundle.WRITE_KEY), StandardCharsets.UTF_8);
        assertRefused(bundle.send(bundle.request("/v1/track" + key).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"userId\":\"query-u\",\"event\":\"E\"}")).build()), 401, "missing_write_key");
    }

    @Test
    void aTrackWithoutEventNameIsSentAsUnknown() {
        HttpResponse<String> response = send("/v1/batch", """
                {"batch":[
                  {"type":"track","userId":"unknown-u","messageId":"no-event","context":{"groupId":"g"}},
                  {"type":"track","userId":"unknown-u","event":"","messageId":"empty-event","context":{"groupId":"g"}}
                ]}""");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"accepted\":2"), response.body());
        assertEquals(200, send("/v1/track", "{\"userId\":\"unknown-u\",\"context\":{\"groupId\":\"g\"}}").statusCode());
        List<TotangoStandIn.Received> calls = totango.awaitUser("unknown-u", 3);
        assertEquals(List.of("Unknown", "Unknown", "Unknown"), calls.stream().map(c -> c.param("sdr_a")).toList());
        assertEquals(List.of("Unknown", "Unknown", "Unknown"), calls.stream().map(c -> c.param("sdr_m")).toList());
    }

    @Test
    void eventsGetMessageIdReceivedAtAndCorrectedTimestamp() {
        accepted(send("/v1/batch", """
                {"batch":[{"type":"track","userId":"stamp-u","event":"E","timestamp":"2024-03-01T11:00:00Z"}],
                 "sentAt":"2024-03-01T11:00:10Z"}"""));
        JsonNode letter = bundle.deadLetters().stream().filter(l -> "stamp-u".equals(l.path("userId").asText())).findFirst()
                .orElseGet(() -> {
                    TotangoStandIn.class.getName();
                    return waitForUserLetter("stamp-u");
                });
        JsonNode event = letter.path("payload");
        assertTrue(event.path("messageId").asText().startsWith("api-"), event.toString());
        assertFalse(event.path("receivedAt").asText().isEmpty());
        long skew = java.time.Instant.parse(event.path("receivedAt").asText()).toEpochMilli()
                - java.time.Instant.parse(event.path("timestamp").asText()).toEpochMilli();
        assertEquals(10_000, skew, "timestamp = receivedAt - (sentAt - originalTimestamp)");
    }

    @Test
    void theDedupWindowAndTheGroupContextCacheSurviveARestart(@TempDir Path data) throws Exception {
        String event = "{\"userId\":\"dedup-u\",\"event\":\"Once\",\"messageId\":\"dedup-1\",\"context\":{\"groupId\":\"g\"}}";
        try (TotangoStandIn own = new TotangoStandIn()) {
            try (RunningBundle first = RunningBundle.start(own, Map.of("bridge.data-dir", data.toString()))) {
                accepted(first.post("/v1/track", event));
                accepted(first.post("/v1/track", event));
                accepted(first.post("/v1/batch", "{\"batch\":[" + event.replace("{\"userId", "{\"type\":\"track\",\"userId") + "]}"));
                accepted(first.post("/v1/track", event.replace("dedup-1", "dedup-2").replace("Once", "Other")));
                accepted(first.post("/v1/group", "{\"userId\":\"restart-u\",\"groupId\":\"restart-g\"}"));
                own.await(r -> "Other".equals(r.param("sdr_a")), 1);
                own.awaitUser("restart-u", 1);
            }
            try (RunningBundle second = RunningBundle.start(own, Map.of("bridge.data-dir", data.toString()))) {
                accepted(second.post("/v1/track", event));
                accepted(second.post("/v1/track", event.replace("dedup-1", "dedup-3").replace("Once", "Last")));
                accepted(second.post("/v1/track", "{\"userId\":\"restart-u\",\"event\":\"After Restart\"}"));
                own.await(r -> "Last".equals(r.param("sdr_a")), 1);
                assertEquals("restart-g", own.await(r -> "After Restart".equals(r.param("sdr_a")), 1).get(0).param("sdr_o"),
                        "the group context cache survives a restart");
            }
            assertEquals(1, own.received().stream().filter(r -> "Once".equals(r.param("sdr_a"))).count(), "delivered once: " + own.received());
        }
    }

    private static JsonNode waitForUserLetter(String user) {
        return bundle.awaitDeadLetter(letter -> user.equals(letter.path("userId").asText()), "for " + user);
    }

    private static HttpResponse<String> send(String path, String body) {
        return bundle.send(post(path, "application/json").POST(BodyPublishers.ofString(body)).build());
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        }
        return out.toByteArray();
    }
}
