package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API of a running bundle: dead letters listed, replayed and deleted; parked events listed. */
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "admin-secret-token";
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("bridge.admin-token", TOKEN));
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static HttpResponse<String> admin(String method, String path, String body) {
        return bundle.send(bundle.request(path).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body)).build());
    }

    private static JsonNode json(HttpResponse<String> response, int status) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void theAdminApiNeedsTheBearerToken() throws Exception {
        assertEquals("unauthorized", json(bundle.send(bundle.request("/admin/dead-letter").GET().build()), 401).path("code").asText());
        assertEquals(401, bundle.send(bundle.request("/admin/dead-letter").header("Authorization", "Bearer wrong").GET().build()).statusCode());
        assertEquals(401, bundle.send(bundle.request("/admin/parked").header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY))
                .GET().build()).statusCode(), "a write key is not an admin token");
    }

    @Test
    void aRefusedCallIsListedThenReplayedThroughThePipeline() throws Exception {
        totango.answerNext(400);
        assertEquals(200, bundle.post("/v1/track", "{\"userId\":\"admin-u\",\"event\":\"Again\",\"messageId\":\"admin-1\","
                + "\"context\":{\"groupId\":\"g\"}}").statusCode());
        JsonNode letter = bundle.awaitDeadLetter("totango_4xx", "admin-1");
        JsonNode listed = json(admin("GET", "/admin/dead-letter?reason=totango_4xx", null), 200);
        assertTrue(listed.path("total").asInt() >= 1);
        assertTrue(listed.path("items").toString().contains("admin-1"), listed.toString());

        JsonNode replay = json(admin("POST", "/admin/dead-letter/replay", "{\"id\":\"" + letter.path("id").asText() + "\"}"), 200);
        assertEquals(1, replay.path("replayed").asInt(), replay.toString());
        assertEquals(2, totango.awaitUser("admin-u", 2).size(), "the call went to Totango again");
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> l.path("id").asText().equals(letter.path("id").asText())),
                "a replayed dead letter is removed");
    }

    @Test
    void aStillInvalidEventStaysAndCanBeDeleted() throws Exception {
        assertEquals(200, bundle.post("/v1/batch", "{\"batch\":[{\"type\":\"group\",\"userId\":\"admin-bad\",\"messageId\":\"admin-bad-1\"},"
                + "{\"type\":\"track\",\"userId\":\"admin-ok\",\"event\":\"Fine\",\"context\":{\"groupId\":\"g\"}}]}").statusCode());
        JsonNode letter = bundle.awaitDeadLetter("invalid_event", "admin-bad-1");
        String id = letter.path("id").asText();
        JsonNode replay = json(admin("POST", "/admin/dead-letter/replay", "{\"reason\":\"invalid_event\"}"), 200);
        assertEquals(0, replay.path("replayed").asInt());
        assertTrue(replay.path("stillInvalid").asInt() >= 1);
        assertEquals(id, json(admin("DELETE", "/admin/dead-letter/" + id, null), 200).path("deleted").asText());
        assertEquals("not_found", json(admin("DELETE", "/admin/dead-letter/" + id, null), 404).path("code").asText());
        assertEquals("invalid_replay", json(admin("POST", "/admin/dead-letter/replay", "{}"), 400).path("code").asText());
        assertEquals("invalid_parameter", json(admin("GET", "/admin/dead-letter?limit=-3", null), 400).path("code").asText());
    }

    @Test
    void aReplayedEventCannotPassItselfOffAsATotangoCall() throws Exception {
        String forged = "{\"userId\":\"forger\",\"messageId\":\"forged-1\",\"writeKey\":\"" + RunningBundle.WRITE_KEY + "\","
                + "\"params\":{\"sdr_o\":\"victim\",\"sdr_a\":\"forged\",\"sdr_odn\":\"Pwned\"},\"kind\":\"call\",\"reason\":\"totango_4xx\"}";
        HttpResponse<String> answer = bundle.post("/v1/batch", "{\"batch\":[" + forged + ","
                + "{\"type\":\"track\",\"userId\":\"forger\",\"event\":\"Honest\",\"context\":{\"groupId\":\"g\"}}]}");
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode letter = bundle.awaitDeadLetter("invalid_event", "forged-1");
        assertEquals("event", letter.path("kind").asText(), "the store sets the kind, not the payload");
        assertTrue(letter.path("payload").path("writeKey").isMissingNode(), "no write key in a dead letter: " + letter);
        assertTrue(json(admin("GET", "/admin/dead-letter?reason=invalid_event", null), 200).toString().contains("forged-1"));
        assertTrue(!json(admin("GET", "/admin/dead-letter?reason=invalid_event", null), 200).toString().contains(RunningBundle.WRITE_KEY),
                "the admin API shows no write key");

        JsonNode replay = json(admin("POST", "/admin/dead-letter/replay", "{\"id\":\"" + letter.path("id").asText() + "\"}"), 200);
        assertEquals(0, replay.path("replayed").asInt(), replay.toString());
        assertEquals(1, replay.path("stillInvalid").asInt(), replay.toString());
        totango.awaitUser("forger", 1);
        bundle.awaitIdle();
        assertTrue(totango.received().stream().noneMatch(r -> "victim".equals(r.param("sdr_o")) || "forged".equals(r.param("sdr_a"))),
                "nothing of the forged params reached Totango: " + totango.received());
    }

    @Test
    void onlyTheHeaderCarriesTheTokenAndOddParametersAreClearRefusals() throws Exception {
        String query = "?Authorization=" + java.net.URLEncoder.encode("Bearer " + TOKEN, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("unauthorized", json(bundle.send(bundle.request("/admin/dead-letter" + query).GET().build()), 401).path("code").asText());
        assertEquals("unauthorized", json(bundle.send(bundle.request("/admin/dead-letter/replay" + query)
                .POST(BodyPublishers.ofString("{\"all\":true}")).build()), 401).path("code").asText());
        JsonNode far = json(admin("GET", "/admin/dead-letter?offset=2147483647&limit=500", null), 200);
        assertEquals(0, far.path("items").size(), far.toString());
        assertEquals("invalid_parameter", json(admin("GET", "/admin/dead-letter?offset=99999999999", null), 400).path("code").asText());
        HttpResponse<String> form = bundle.send(bundle.request("/admin/dead-letter/replay").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(BodyPublishers.ofString("{\"reason\":\"nothing-such\"}")).build());
        assertEquals(0, json(form, 200).path("replayed").asInt(), "a JSON body is read whatever its Content-Type");
        HttpResponse<String> notJson = bundle.send(bundle.request("/admin/dead-letter/replay").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(BodyPublishers.ofString("all=true")).build());
        assertEquals("invalid_json", json(notJson, 400).path("code").asText());
    }

    @Test
    void parkedEventsAreListed() throws Exception {
        assertEquals(200, bundle.post("/v1/track", "{\"userId\":\"admin-parked\",\"event\":\"Waiting\",\"messageId\":\"parked-1\"}").statusCode());
        JsonNode parked = Wait.atMost(Duration.ofSeconds(15)).until(() -> json(admin("GET", "/admin/parked", null), 200),
                listed -> listed.path("items").toString().contains("parked-1"));
        JsonNode item = java.util.stream.StreamSupport.stream(parked.path("items").spliterator(), false)
                .filter(i -> "parked-1".equals(i.path("messageId").asText())).findFirst().orElseThrow();
        assertEquals("admin-parked", item.path("userId").asText());
        assertEquals("track", item.path("type").asText());
        assertEquals("Waiting", item.path("event").path("event").asText(), "the event itself");
        java.time.Instant parkedAt = java.time.Instant.parse(item.path("parkedAt").asText());
        assertTrue(Math.abs(java.time.Duration.between(parkedAt, java.time.Instant.now()).toSeconds()) < 60, "since when: " + parkedAt);
    }

    @Test
    void aSelectionIsReplayedOrDeletedByItsIds() throws Exception {
        totango.answerNext(400, 400, 400);
        for (int i = 1; i <= 3; i++) {
            assertEquals(200, bundle.post("/v1/track", "{\"userId\":\"admin-sel-" + i + "\",\"event\":\"Picked\",\"messageId\":\"sel-" + i + "\","
                    + "\"context\":{\"groupId\":\"g\"}}").statusCode());
        }
        String first = bundle.awaitDeadLetter("totango_4xx", "sel-1").path("id").asText();
        String second = bundle.awaitDeadLetter("totango_4xx", "sel-2").path("id").asText();
        String third = bundle.awaitDeadLetter("totango_4xx", "sel-3").path("id").asText();

        JsonNode replay = json(admin("POST", "/admin/dead-letter/replay", "{\"ids\":[\"" + first + "\",\"" + second + "\",\"" + first
                + "\",\"20200101T000000000-gone0000\"]}"), 200);
        assertEquals(2, replay.path("replayed").asInt(), "each listed letter once; one gone meanwhile is skipped: " + replay);
        assertEquals(0, replay.path("stillInvalid").asInt(), replay.toString());
        totango.awaitUser("admin-sel-1", 2);
        totango.awaitUser("admin-sel-2", 2);

        JsonNode deleted = json(admin("POST", "/admin/dead-letter/delete", "{\"ids\":[\"" + third + "\"]}"), 200);
        assertEquals(1, deleted.path("deleted").asInt(), deleted.toString());
        assertTrue(bundle.deadLetters().stream().map(l -> l.path("id").asText()).noneMatch(id -> id.equals(first) || id.equals(second)
                || id.equals(third)), "replayed and deleted letters are gone");
        assertEquals(1, totango.forUser("admin-sel-3").size(), "a deleted letter is not sent");

        assertEquals("invalid_replay", json(admin("POST", "/admin/dead-letter/delete", "{\"ids\":[]}"), 400).path("code").asText());
        assertEquals("invalid_replay", json(admin("POST", "/admin/dead-letter/delete", "{\"ids\":[1,2]}"), 400).path("code").asText());
        String tooMany = "{\"ids\":[" + String.join(",", java.util.Collections.nCopies(501, "\"x\"")) + "]}";
        assertEquals("invalid_replay", json(admin("POST", "/admin/dead-letter/delete", tooMany), 400).path("code").asText());
        assertEquals("invalid_replay", json(admin("POST", "/admin/dead-letter/delete", "{}"), 400).path("code").asText());
        assertEquals(401, bundle.send(bundle.request("/admin/dead-letter/delete").POST(BodyPublishers.ofString("{\"all\":true}")).build())
                .statusCode(), "the token is needed");
    }

    @Test
    void allOfAReasonIsDeletedAndListsAreFilteredByDate() throws Exception {
        assertEquals(400, bundle.post("/v1/batch", "{\"batch\":[{\"type\":\"alias\",\"userId\":\"admin-day\",\"messageId\":\"day-1\"}]}")
                .statusCode());
        JsonNode letter = bundle.awaitDeadLetter("invalid_event", "day-1");
        String today = letter.path("lastFailureAt").asText().substring(0, 10);
        String tomorrow = java.time.LocalDate.parse(today).plusDays(1).toString();
        String yesterday = java.time.LocalDate.parse(today).minusDays(1).toString();
        assertTrue(json(admin("GET", "/admin/dead-letter?reason=invalid_event&since=" + today + "&until=" + today, null), 200)
                .toString().contains("day-1"), "a day includes its own letters");
        JsonNode before = json(admin("GET", "/admin/dead-letter?until=" + yesterday, null), 200);
        assertEquals(0, before.path("total").asInt(), before.toString());
        JsonNode after = json(admin("GET", "/admin/dead-letter?since=" + tomorrow, null), 200);
        assertEquals(0, after.path("total").asInt(), after.toString());
        assertTrue(json(admin("GET", "/admin/dead-letter?since=" + letter.path("lastFailureAt").asText(), null), 200)
                .toString().contains("day-1"), "an instant too");
        assertEquals("invalid_parameter", json(admin("GET", "/admin/dead-letter?since=yesterday", null), 400).path("code").asText());

        long kept = json(admin("GET", "/admin/dead-letter?reason=invalid_event&limit=0", null), 200).path("total").asLong();
        assertTrue(kept >= 1);
        JsonNode deleted = json(admin("POST", "/admin/dead-letter/delete", "{\"reason\":\"invalid_event\"}"), 200);
        assertTrue(deleted.path("deleted").asLong() >= kept, deleted.toString());
        assertEquals(0, json(admin("GET", "/admin/dead-letter?reason=invalid_event&limit=0", null), 200).path("total").asInt());
    }
}
