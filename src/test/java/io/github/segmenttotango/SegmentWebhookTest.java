package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.BundleProcess;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segment's Webhooks destinations as a source (POST /v1/webhook): requests signed as Segment signs
 * them reach Totango through the running bundle; unsigned or wrongly signed ones are 401 and leave
 * nothing behind.
 */
class SegmentWebhookTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "current-secret";
    private static final String ROTATED = "next-secret";
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("segment.webhook-secrets", " " + SECRET + " , " + ROTATED + " ",
                "segment.webhook-batch-signature", "first-event"));
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    /** A track event as Segment's Webhooks destinations send it: stamped by Segment, JSON.stringify'd (no spaces). */
    private static String segmentEvent(String user, String event, String messageId) {
        return ("{\"type\":\"track\",\"event\":\"%s\",\"userId\":\"%s\",\"messageId\":\"%s\",\"properties\":{\"category\":\"Hooks\"},"
                + "\"context\":{\"groupId\":\"hook-g\",\"library\":{\"name\":\"analytics-node\",\"version\":\"2.1.0\"}},"
                + "\"originalTimestamp\":\"2026-12-01T10:00:00.000Z\",\"sentAt\":\"2026-12-01T10:00:01.000Z\","
                + "\"receivedAt\":\"2026-12-01T09:59:59.500Z\",\"timestamp\":\"2026-12-01T09:59:58.500Z\","
                + "\"integrations\":{},\"channel\":\"server\",\"version\":2}").formatted(event, user, messageId);
    }

    /** The lowercase hex HMAC-SHA1 of the bytes with the secret: what Segment puts in X-Signature. */
    static String sign(String secret, byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return HexFormat.of().formatHex(mac.doFinal(content));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String sign(String secret, String content) {
        return sign(secret, content.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> webhook(String body, String signature) {
        var request = bundle.request("/v1/webhook").header("Content-Type", "application/json")
                .header("User-Agent", "Segment.io/1.0");
        if (signature != null) {
            request.header("X-Signature", signature);
        }
        return bundle.send(request.POST(BodyPublishers.ofString(body)).build());
    }

    private static JsonNode assertRefused(HttpResponse<String> response, int status, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), response.headers().toString());
        try {
            JsonNode body = JSON.readTree(response.body());
            assertEquals(code, body.path("code").asText(), response.body());
            assertFalse(body.path("message").asText().isEmpty(), response.body());
            return body;
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + response.body(), e);
        }
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    @Test
    void aSignedEventIsDeliveredWithoutAWriteKeyAndOnlyOnce() {
        String event = segmentEvent("hook-single-u", "Signed Single", "hook-single-1");
        HttpResponse<String> answer = webhook(event, sign(SECRET, event));
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"accepted\":1"), answer.body());
        // Segment retries what timed out: the same messageId is acknowledged and not sent again
        RunningBundle.accepted(webhook(event, sign(SECRET, event)));
        String marker = segmentEvent("hook-single-u", "After", "hook-single-2");
        RunningBundle.accepted(bundle.send(bundle.request("/v1/webhook/").header("X-Signature", sign(SECRET, marker))
                .POST(BodyPublishers.ofString(marker)).build()));

        List<TotangoStandIn.Received> calls = totango.awaitUser("hook-single-u", 2);
        assertEquals(List.of("Signed Single", "After"), calls.stream().map(c -> c.param("sdr_a")).toList());
        assertEquals("hook-g", calls.get(0).param("sdr_o"));
        assertEquals("Hooks", calls.get(0).param("sdr_m"));
        assertEquals(RunningBundle.SERVICE_ID, calls.get(0).param("sdr_s"));
        assertFalse(calls.get(0).headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("X-Signature")),
                "no inbound header reaches Totango: " + calls.get(0).headers());
    }

    @Test
    void aBatchOfTheActionsDestinationIsAnArraySignedOnItsFirstEvent() {
        // Segment's Webhooks (Actions) destination sends a batch as a JSON array of the events and signs
        // JSON.stringify of the first one only (action-destinations, webhook/index.ts extendRequest)
        String first = segmentEvent("hook-batch-u", "Batch One", "hook-batch-1");
        String second = segmentEvent("hook-batch-u", "Batch Two", "hook-batch-2");
        String third = segmentEvent("hook-batch-u", "Batch Three", "hook-batch-3");
        HttpResponse<String> answer = webhook("[" + first + "," + second + "," + third + "]", sign(SECRET, first));
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"accepted\":3"), answer.body());
        assertEquals(List.of("Batch One", "Batch Two", "Batch Three"),
                totango.awaitUser("hook-batch-u", 3).stream().map(c -> c.param("sdr_a")).toList());
    }

    @Test
    void aBatchObjectSignedWholeIsTakenAndItsInvalidEventsAreDeadLetters() {
        String body = "{\"batch\":[" + segmentEvent("hook-object-u", "Object One", "hook-object-1")
                + ",{\"type\":\"track\",\"event\":\"No user\",\"messageId\":\"hook-object-bad\"}]}";
        HttpResponse<String> answer = webhook(body, sign(SECRET, body));
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"accepted\":1") && answer.body().contains("\"rejected\":1"), answer.body());
        assertEquals("Object One", totango.awaitUser("hook-object-u", 1).get(0).param("sdr_a"));
        JsonNode letter = bundle.awaitDeadLetter("invalid_event", "hook-object-bad");
        assertEquals("webhook", letter.path("source").asText(), letter.toString());
    }

    @Test
    void theRotatedSecondSecretAndAGzippedBodySignedEitherWayAreTaken() throws IOException {
        String event = segmentEvent("hook-rotated-u", "Rotated", "hook-rotated-1");
        RunningBundle.accepted(webhook(event, sign(ROTATED, event)));
        byte[] zippedJson = gzip(segmentEvent("hook-rotated-u", "Zipped Json", "hook-rotated-2").getBytes(StandardCharsets.UTF_8));
        String signedJson = sign(SECRET, segmentEvent("hook-rotated-u", "Zipped Json", "hook-rotated-2"));
        byte[] zippedWire = gzip(segmentEvent("hook-rotated-u", "Zipped Wire", "hook-rotated-3").getBytes(StandardCharsets.UTF_8));
        for (var signed : List.of(Map.entry(zippedJson, signedJson), Map.entry(zippedWire, sign(SECRET, zippedWire).toUpperCase()))) {
            HttpResponse<String> answer = bundle.send(bundle.request("/v1/webhook").header("Content-Type", "application/json")
                    .header("Content-Encoding", "gzip").header("X-Signature", signed.getValue())
                    .POST(BodyPublishers.ofByteArray(signed.getKey())).build());
            RunningBundle.accepted(answer);
        }
        assertEquals(List.of("Rotated", "Zipped Json", "Zipped Wire"),
                totango.awaitUser("hook-rotated-u", 3).stream().map(c -> c.param("sdr_a")).toList());
    }

    @Test
    void anUnsignedOrWronglySignedRequestIs401AndNothingIsKept() {
        String event = segmentEvent("hook-refused-u", "Refused", "hook-refused-1");
        String batch = "{\"batch\":[" + event + "]}";
        String tampered = "{\"batch\":[" + event + "," + segmentEvent("hook-refused-u", "Added", "hook-refused-2") + "]}";
        assertRefused(webhook(event, null), 401, "missing_signature");
        assertRefused(webhook(event, ""), 401, "missing_signature");
        assertRefused(webhook(event, sign("guessed-secret", event)), 401, "invalid_signature");
        assertRefused(webhook(event, "not hex"), 401, "invalid_signature");
        assertRefused(webhook(event, sign(SECRET, event).substring(2)), 401, "invalid_signature");
        assertRefused(webhook(tampered, sign(SECRET, batch)), 401, "invalid_signature");
        // an array whose first element is not what was signed
        assertRefused(webhook("[" + segmentEvent("hook-refused-u", "Other", "hook-refused-3") + "," + event + "]", sign(SECRET, event)),
                401, "invalid_signature");
        // a write key is no way in, and a bad body is not even read before the signature holds
        assertRefused(bundle.send(bundle.request("/v1/webhook").header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY))
                .POST(BodyPublishers.ofString(event)).build()), 401, "missing_signature");
        assertRefused(webhook("{not json", sign("guessed-secret", "{not json")), 401, "invalid_signature");
        HttpResponse<String> wrong = webhook(event, sign("guessed-secret", event));
        assertFalse(wrong.body().contains(SECRET) || wrong.body().contains("guessed-secret"), wrong.body());

        // what came after the refused requests is delivered: they would have been before it
        String after = segmentEvent("hook-refused-after-u", "After Refusals", "hook-refused-after-1");
        RunningBundle.accepted(webhook(after, sign(SECRET, after)));
        totango.awaitUser("hook-refused-after-u", 1);
        assertEquals(List.of(), totango.forUser("hook-refused-u"), "no refused event reached Totango");
        assertTrue(bundle.deadLetters().stream().noneMatch(letter -> letter.toString().contains("hook-refused")),
                "no dead letter keeps a refused request: " + bundle.deadLetters());
    }

    @Test
    void aSignedButInvalidRequestGetsTheTrackingApisRefusals() {
        String notJson = "{\"type\":\"track\"";
        assertRefused(webhook(notJson, sign(SECRET, notJson)), 400, "invalid_json");
        String noUser = "{\"type\":\"track\",\"event\":\"E\"}";
        assertRefused(webhook(noUser, sign(SECRET, noUser)), 400, "invalid_event");
        String zipped = "not gzip";
        assertRefused(bundle.send(bundle.request("/v1/webhook").header("Content-Encoding", "br").header("X-Signature", sign(SECRET, zipped))
                .POST(BodyPublishers.ofString(zipped)).build()), 415, "unsupported_content_encoding");
        String tooMany = "[" + String.join(",", java.util.Collections.nCopies(2501, "{}")) + "]";
        assertRefused(webhook(tooMany, sign(SECRET, "{}")), 400, "too_many_events");
        assertRefused(bundle.send(bundle.request("/v1/webhook").GET().build()), 405, "method_not_allowed");
    }

    @Tag("process")
    @Test
    void theSecretsComeFromTheEnvironmentAndAreNeverLogged(@TempDir Path data) throws Exception {
        String log;
        try (BundleProcess process = BundleProcess.launch(Map.of("TOTANGO_SERVICE_ID", "S", "TOTANGO_URL", totango.url(),
                "BRIDGE_DATA_DIR", data.toString(), "SEGMENT_WEBHOOK_SECRETS", "env-secret-one,env-secret-two")).awaitHealthy()) {
            String event = segmentEvent("hook-env-u", "From Env", "hook-env-1");
            HttpClient http = HttpClient.newHttpClient();
            for (String secret : List.of("env-secret-two", "wrong-secret")) {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.port() + "/v1/webhook"))
                        .header("X-Signature", sign(secret, event)).POST(BodyPublishers.ofString(event)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(secret.startsWith("env") ? 200 : 401, answer.statusCode(), answer.body());
            }
            totango.awaitUser("hook-env-u", 1);
            log = process.log();
        }
        assertTrue(log.contains("POST /v1/webhook, signed with one of 2 secret(s), masked"), log);
        assertFalse(log.contains("env-secret"), "no secret in the log: " + log);
    }

    @Test
    void withoutSecretsTheEndpointIsOffAndByDefaultABatchIsSignedWhole() throws Exception {
        try (RunningBundle off = RunningBundle.start(totango)) {
            String event = segmentEvent("hook-off-u", "Off", "hook-off-1");
            HttpResponse<String> answer = off.send(off.request("/v1/webhook").header("X-Signature", sign(SECRET, event))
                    .POST(BodyPublishers.ofString(event)).build());
            assertRefused(answer, 404, "webhook_disabled");
        }
        try (RunningBundle whole = RunningBundle.start(totango, Map.of("segment.webhook-secrets", SECRET))) {
            String first = segmentEvent("hook-whole-u", "Whole One", "hook-whole-1");
            String batch = "[" + first + "," + segmentEvent("hook-whole-u", "Whole Two", "hook-whole-2") + "]";
            assertRefused(whole.send(whole.request("/v1/webhook").header("X-Signature", sign(SECRET, first))
                    .POST(BodyPublishers.ofString(batch)).build()), 401, "invalid_signature");
            RunningBundle.accepted(whole.send(whole.request("/v1/webhook").header("X-Signature", sign(SECRET, batch))
                    .POST(BodyPublishers.ofString(batch)).build()));
            assertEquals(List.of("Whole One", "Whole Two"), totango.awaitUser("hook-whole-u", 2).stream().map(c -> c.param("sdr_a")).toList());
        }
    }
}
