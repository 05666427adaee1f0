package io.github.segmenttotango.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading Tracking API requests: shapes, limits, write keys and the fields Segment adds. */
class SegmentRequestReaderTest {

    private static final String AUTH = "Basic " + Base64.getEncoder().encodeToString("key1:".getBytes(StandardCharsets.UTF_8));
    private final Clock clock = Clock.fixed(Instant.parse("2024-03-01T12:00:00Z"), ZoneOffset.UTC);
    private final SegmentRequestReader reader = new SegmentRequestReader(IngestLimits.segmentDefaults(), new WriteKeys("key1, key2"), clock);

    private SegmentRequest read(String call, String json) {
        return reader.read(json.getBytes(StandardCharsets.UTF_8), "application/json", null, AUTH, call);
    }

    private static IngestException refused(int status, String code, Executable read) {
        IngestException refusal = assertThrows(IngestException.class, read);
        assertEquals(status, refusal.status(), refusal.getMessage());
        assertEquals(code, refusal.code(), refusal.getMessage());
        return refusal;
    }

    @Test
    void aSingleCallTakesItsTypeFromThePathAndGetsSegmentsFields() {
        SegmentRequest request = read("t", "{\"userId\":\"u\",\"event\":\"E\",\"timestamp\":\"2024-03-01T11:00:00Z\",\"sentAt\":\"2024-03-01T11:00:10Z\"}");
        var event = request.events().get(0);
        assertEquals("track", event.get("type").asText());
        assertTrue(event.get("messageId").asText().startsWith("api-"));
        assertEquals("2024-03-01T12:00:00.000Z", event.get("receivedAt").asText());
        assertEquals("2024-03-01T11:00:00.000Z", event.get("originalTimestamp").asText());
        assertEquals("2024-03-01T11:59:50.000Z", event.get("timestamp").asText(), "receivedAt - (sentAt - originalTimestamp)");
    }

    @Test
    void aBatchMergesItsContextAndKeepsInvalidEventsApart() {
        SegmentRequest request = read("import", """
                {"batch":[{"type":"track","userId":"u","event":"E","context":{"ip":"1.2.3.4"}},
                          {"type":"track","userId":"u"},{"type":"nope","userId":"u"},{"type":"identify"},
                          {"type":"group","userId":"u"},"text",{"type":"track","userId":"u","event":"E","messageId":"%s"}],
                 "context":{"ip":"9.9.9.9","library":{"name":"lib"}},"sentAt":"2024-03-01T12:00:00Z"}""".formatted("m".repeat(101)));
        assertEquals(2, request.accepted(), "a track without event name is taken (sent as Unknown)");
        assertEquals("1.2.3.4", request.events().get(0).at("/context/ip").asText(), "the event's own context wins");
        assertEquals("lib", request.events().get(0).at("/context/library/name").asText());
        assertEquals("9.9.9.9", request.events().get(1).at("/context/ip").asText());
        assertEquals(5, request.rejected().size());
        assertTrue(request.rejected().get(0).detail().startsWith("unknown type 'nope'"));
        assertEquals("the identify event has neither userId nor anonymousId", request.rejected().get(1).detail());
        assertEquals("the group event has no groupId", request.rejected().get(2).detail());
        assertEquals("an event must be a JSON object", request.rejected().get(3).detail());
        assertEquals("messageId is longer than 100 characters", request.rejected().get(4).detail());
    }

    @Test
    void extremeNumbersAndDatesAreRefusedAloneNeverAFailureOfTheRequest() {
        SegmentRequest request = read("batch", """
                {"batch":[{"type":"track","userId":"u","event":"Good"},
                          {"type":"track","userId":"u","event":"E","properties":{"n":1E+2147483648}},
                          {"type":"track","userId":"u","event":"E","properties":{"n":-1e-2147483648}},
                          {"type":"track","userId":"u","event":"E","timestamp":"+999999999-01-01T00:00:00Z"},
                          {"type":"track","userId":"u","event":"E","timestamp":"-999999999-01-01T00:00:00Z"},
                          {"type":"track","userId":"u","event":"E","sentAt":"+999999999-12-31T23:59:59Z","timestamp":"2024-01-01T00:00:00Z"},
                          {"type":"track","userId":"u","event":"Also good","timestamp":"2024-03-01T11:00:00Z"}],
                 "sentAt":"+999999999-01-01T00:00:00Z"}""");
        assertEquals(List.of("Good", "Also good"), request.events().stream().map(e -> e.get("event").asText()).toList());
        assertEquals(5, request.rejected().size(), request.rejected().toString());
        assertEquals("2024-03-01T11:00:00Z", request.events().get(1).get("timestamp").asText(),
                "a batch sentAt out of range is ignored, not used for the clock correction");
        refused(400, "invalid_event", () -> read("track", "{\"userId\":\"u\",\"event\":\"E\",\"timestamp\":\"+999999999-01-01T00:00:00Z\"}"));
        refused(400, "invalid_event", () -> read("track", "{\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"n\":1E+2147483648}}"));
    }

    @Test
    void anInvalidSingleEventIsRefusedWhole() {
        refused(400, "invalid_event", () -> read("track", "{\"event\":\"E\"}"));
    }

    @Test
    void writeKeysComeFromBasicAuthOrTheBody() {
        byte[] body = "{\"writeKey\":\"key2\",\"userId\":\"u\",\"event\":\"E\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(1, reader.read(body, "text/plain", null, null, "track").accepted());
        String noColon = "Basic " + Base64.getEncoder().encodeToString("key2".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, reader.read("{\"userId\":\"u\",\"event\":\"E\"}".getBytes(StandardCharsets.UTF_8), null, null, noColon, "track").accepted());
        refused(401, "missing_write_key", () -> reader.read("{\"userId\":\"u\",\"event\":\"E\"}".getBytes(StandardCharsets.UTF_8),
                "application/json", null, null, "track"));
        String wrong = "Basic " + Base64.getEncoder().encodeToString("key3:".getBytes(StandardCharsets.UTF_8));
        IngestException refusal = refused(401, "unknown_write_key", () -> reader.read(body, "application/json", null, wrong, "track"));
        assertTrue(!refusal.getMessage().contains("key3"), "a key is never echoed");
    }

    @Test
    void contentTypesAndEncodingsOutsideTheApiAreRefused() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] track = "{\"userId\":\"u\",\"event\":\"E\"}".getBytes(StandardCharsets.UTF_8);
        for (String anyType : new String[] {"application/x-www-form-urlencoded", "text/plain; charset=latin1", "application/xml", "", null}) {
            assertEquals(1, reader.read(track, anyType, null, AUTH, "track").accepted(), "JSON is read under " + anyType);
        }
        refused(415, "unsupported_media_type", () -> reader.read(body, "multipart/form-data; boundary=x", null, AUTH, "track"));
        refused(415, "unsupported_content_encoding", () -> reader.read(body, "application/json", "br", AUTH, "track"));
        refused(404, "unknown_call", () -> reader.read(body, "application/json", null, AUTH, "nope"));
    }

    @Test
    void malformedJsonAndWrongShapesAreRefused() {
        refused(400, "invalid_json", () -> read("track", "{\"userId\":"));
        refused(400, "invalid_json", () -> read("track", "{} {}"));
        refused(400, "invalid_shape", () -> read("track", "[1,2]"));
        refused(400, "invalid_shape", () -> read("batch", "{\"batch\":{}}"));
        refused(400, "invalid_shape", () -> read("batch", "{\"events\":[]}"));
        refused(400, "invalid_shape", () -> read("batch", "[]"));
        refused(400, "invalid_json", () -> read("batch", "{\"batch\":[]} x"));
        refused(400, "limit_exceeded", () -> read("track", "{\"userId\":\"u\",\"event\":\"E\",\"n\":" + "9".repeat(200) + "}"));
        refused(400, "limit_exceeded", () -> read("track", "{\"a\":".repeat(40) + "1" + "}".repeat(40)));
    }

    @Test
    void sizeLimits() {
        String big = "x".repeat(33 * 1024);
        SegmentRequest request = read("batch", "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"p\":\"" + big
                + "\"},{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"}]}");
        assertEquals(1, request.accepted());
        assertTrue(request.rejected().get(0).detail().contains("larger than 32768 bytes"));
        StringBuilder many = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2501; i++) {
            many.append(i == 0 ? "" : ",").append("{}");
        }
        refused(400, "too_many_events", () -> read("batch", many.append("]}").toString()));
        refused(413, "request_too_large", () -> read("batch", "{\"batch\":[],\"pad\":\"" + "y".repeat(600_000) + "\"}"));
    }

    @Test
    void gzipIsInflatedWithinTheLimitSoABombIsRefusedEarly() throws IOException {
        byte[] ok = gzip("{\"userId\":\"u\",\"event\":\"E\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, reader.read(ok, "application/json", "gzip", AUTH, "track").accepted());
        byte[] bomb = gzip(new byte[100 * 1024 * 1024]);
        assertTrue(bomb.length < 200_000, "100 MB of zeros compress to " + bomb.length);
        refused(413, "request_too_large", () -> reader.read(bomb, "application/json", "gzip", AUTH, "batch"));
        refused(400, "invalid_gzip", () -> reader.read("not gzip".getBytes(StandardCharsets.UTF_8), "application/json", "gzip", AUTH, "track"));
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        }
        return out.toByteArray();
    }
}
