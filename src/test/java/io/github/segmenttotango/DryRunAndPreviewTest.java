package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checking the mapping against real traffic before going live: dry run and preview. */
class DryRunAndPreviewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDryRunWritesTheCallsInsteadOfSendingThem() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("totango.dry-run", "true", "totango.api-token", "dry-secret"))) {
            assertEquals(200, bundle.post("/v1/batch", """
                    {"batch":[{"type":"group","userId":"dry-u","groupId":"dry-g","traits":{"name":"Dry Inc"}},
                              {"type":"track","userId":"dry-u","event":"Tested"}]}""").statusCode());
            Path file = bundle.dataDir().resolve("dry-run/totango-calls.ndjson");
            List<String> lines = Wait.atMost(Duration.ofSeconds(15))
                    .until(() -> Files.exists(file) ? Files.readAllLines(file) : List.<String>of(), written -> written.size() >= 2);
            assertEquals(2, lines.size(), String.valueOf(lines));
            for (String line : lines) {
                assertTrue(line.startsWith("{") && line.endsWith("}"), "one JSON object a line, nothing after it: " + line);
            }
            JsonNode group = JSON.readTree(lines.get(0));
            assertEquals("POST", group.path("method").asText());
            assertEquals(totango.url(), group.path("url").asText());
            assertEquals("dry-g", group.path("params").path("sdr_o").asText());
            assertEquals("Dry Inc", group.path("params").path("sdr_odn").asText());
            assertEquals("****", group.path("params").path("api-token").asText(), "the token is masked");
            assertEquals("Tested", JSON.readTree(lines.get(1)).path("params").path("sdr_a").asText());
            assertFalse(Files.readString(file).contains("dry-secret"));
            bundle.awaitIdle();
            assertTrue(totango.received().isEmpty(), "nothing was sent: " + totango.received());
        }
    }

    @Test
    void aPreviewAnswersTheCallsWithoutSendingOrChangingAnything() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango)) {
            assertEquals(200, bundle.post("/v1/group", "{\"userId\":\"pv-known\",\"groupId\":\"pv-cached\"}").statusCode());
            totango.awaitUser("pv-known", 1);
            HttpResponse<String> preview = bundle.post("/v1/preview", """
                    {"batch":[
                      {"type":"track","userId":"pv-known","event":"Uses Cache","messageId":"pv-1"},
                      {"type":"group","userId":"pv-new","groupId":"pv-g","traits":{"name":"New"}},
                      {"type":"page","userId":"pv-new","name":"Home","messageId":"pv-2"},
                      {"type":"track","userId":"pv-nobody","event":"X","messageId":"pv-3"},
                      {"type":"track","userId":"pv-bad","messageId":"pv-4"}
                    ]}""");
            assertEquals(200, preview.statusCode(), preview.body());
            JsonNode answer = JSON.readTree(preview.body());
            JsonNode calls = answer.path("calls");
            assertEquals(3, calls.size(), preview.body());
            assertEquals("pv-cached", calls.get(0).path("params").path("sdr_o").asText(), "the cache is read");
            assertEquals("Uses Cache", calls.get(0).path("params").path("sdr_a").asText());
            assertEquals(RunningBundle.SERVICE_ID, calls.get(0).path("params").path("sdr_s").asText());
            assertEquals("pv-g", calls.get(1).path("params").path("sdr_o").asText());
            assertEquals("pv-g", calls.get(2).path("params").path("sdr_o").asText(), "a group earlier in the preview counts");
            assertEquals("Viewed Home Page", calls.get(2).path("params").path("sdr_a").asText());
            assertTrue(answer.path("notSent").toString().contains("pv-3") && answer.path("notSent").toString().contains("no_account"));
            assertTrue(answer.path("notSent").toString().contains("pv-4"));

            HttpResponse<String> single = bundle.post("/v1/preview", "{\"type\":\"identify\",\"userId\":\"pv-known\",\"traits\":{\"a\":1}}");
            assertEquals("1", JSON.readTree(single.body()).path("calls").get(0).path("params").path("sdr_u.a").asText(), single.body());

            // nothing was sent, cached or kept
            assertEquals(200, bundle.post("/v1/track", "{\"userId\":\"pv-new\",\"event\":\"Real\",\"messageId\":\"pv-real\"}").statusCode());
            bundle.awaitIdle();
            assertEquals(1, totango.received().size(), "only the real group call: " + totango.received());
            assertTrue(bundle.deadLetters().isEmpty(), "a preview keeps no dead letter");
        }
    }
}
