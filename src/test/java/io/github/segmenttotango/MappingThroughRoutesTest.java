package io.github.segmenttotango;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static io.github.segmenttotango.support.RunningBundle.accepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every example of the mapping spec (§5) and the rules around it, end to end: Segment payloads are
 * posted to the running bundle's HTTP endpoint and the parameters Totango's stand-in received are
 * checked one by one.
 */
class MappingThroughRoutesTest {

    private static final String S = RunningBundle.SERVICE_ID;
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("delivery.park-window", "1s", "delivery.park-check-interval", "200ms"));
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static void post(String path, String json) {
        accepted(bundle.post(path, json));
    }

    /** Sends a marker track for {@code user} and waits for it: every call before it has been delivered. */
    private static void drain(String user) {
        post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"marker\",\"context\":{\"groupId\":\"marker\"}}");
        totango.await(r -> user.equals(r.param("sdr_u")) && "marker".equals(r.param("sdr_a")), 1);
    }

    private static void assertParams(Map<String, String> expected, Received call) {
        assertEquals(expected, call.params(), "parameters of " + call.body());
    }

    // ---------------------------------------------------------------- spec §5

    @Test
    void example1_identifySendsUserAttributesOnTheAccountOfContextGroupId() {
        post("/v1/identify", """
                {"type":"identify","userId":"ex1-u1","traits":{"email":"a@b.co","name":"Ann","created":"2024-03-01T10:20:30Z"},"context":{"groupId":"g1"}}""");
        Received call = totango.awaitUser("ex1-u1", 1).get(0);
        assertParams(Map.of("sdr_s", S, "sdr_o", "g1", "sdr_u", "ex1-u1", "sdr_u.email", "a@b.co", "sdr_u.name", "Ann",
                "sdr_u.Create Date", "2024-03-01T10:20:30.000Z"), call);
        assertEquals("POST", call.method());
        assertEquals("/pixel.gif/", call.path());
    }

    @Test
    void examples2and3_groupThenTrackReachesTheAccountFromTheCache() {
        post("/v1/group", """
                {"type":"group","userId":"ex2-u1","groupId":"ex2-g1","traits":{"name":"Initech","website":"initech.com"}}""");
        post("/v1/track", """
                {"type":"track","userId":"ex2-u1","event":"Completed Purchase","properties":{"revenue":42.99,"category":"Conversion"}}""");
        List<Received> calls = totango.awaitUser("ex2-u1", 2);
        assertParams(Map.of("sdr_s", S, "sdr_o", "ex2-g1", "sdr_u", "ex2-u1", "sdr_odn", "Initech",
                "sdr_o.website", "initech.com", "sdr_o.plan", "Free"), calls.get(0));
        assertParams(Map.of("sdr_s", S, "sdr_o", "ex2-g1", "sdr_u", "ex2-u1", "sdr_a", "Completed Purchase",
                "sdr_m", "Conversion"), calls.get(1));
    }

    @Test
    void example4_trackWithContextTraitsAndNoCategory() {
        post("/v1/track", """
                {"type":"track","userId":"ex4-u2","event":"Login","context":{"groupId":"g2","traits":{"email":"c@d.co"}}}""");
        assertParams(Map.of("sdr_s", S, "sdr_o", "g2", "sdr_u", "ex4-u2", "sdr_a", "Login", "sdr_m", "Unknown",
                "sdr_u.email", "c@d.co"), totango.awaitUser("ex4-u2", 1).get(0));
    }

    @Test
    void example5_namedPageWithoutCategoryMakesOneCall() {
        post("/v1/page", """
                {"type":"page","userId":"ex5-u2","name":"Signup","context":{"groupId":"g2"}}""");
        drain("ex5-u2");
        List<Received> calls = totango.forUser("ex5-u2");
        assertEquals(2, calls.size(), "the page and the marker: " + calls);
        assertParams(Map.of("sdr_s", S, "sdr_o", "g2", "sdr_u", "ex5-u2", "sdr_a", "Viewed Signup Page", "sdr_m", "Unknown"),
                calls.get(0));
    }

    @Test
    void examples6and7_productHierarchyThenActivitiesGoToTheProductAccount() {
        post("/v1/group", """
                {"type":"group","userId":"ex6-u3","groupId":"test_group","traits":{"name":"Initech"},"integrations":{"Totango":{"parent":{"id":"XYZ-85b"},"product":{"id":"productA"}}}}""");
        post("/v1/track", """
                {"type":"track","userId":"ex6-u3","event":"Opened Report"}""");
        List<Received> calls = totango.awaitUser("ex6-u3", 3);
        assertParams(Map.of("sdr_s", S, "sdr_o", "test_group", "sdr_u", "ex6-u3", "sdr_odn", "Initech",
                "sdr_o.parent_id", "XYZ-85b", "sdr_o.plan", "Free"), calls.get(0));
        assertParams(Map.of("sdr_s", S, "sdr_o", "test_group__productA", "sdr_u", "ex6-u3",
                "sdr_o.product_id", "productA", "sdr_o.parent_id", "test_group"), calls.get(1));
        assertParams(Map.of("sdr_s", S, "sdr_o", "test_group__productA", "sdr_u", "ex6-u3", "sdr_a", "Opened Report",
                "sdr_m", "Unknown"), calls.get(2));
    }

    @Test
    void example8_trackWithoutAnyAccountIsParkedThenKeptAsNoAccount() {
        post("/v1/track", """
                {"type":"track","userId":"ex8-u9","event":"X","messageId":"ex8-message"}""");
        var letter = bundle.awaitDeadLetter("no_account", "ex8-message");
        assertEquals("ex8-u9", letter.path("userId").asText());
        assertEquals("X", letter.path("payload").path("event").asText(), "the original event is kept");
        drain("ex8-u9");
        assertEquals(1, totango.forUser("ex8-u9").size(), "only the marker reached Totango");
    }

    // ---------------------------------------------------------------- around the examples

    @Test
    void aGroupEarlierInTheSameBatchCountsForTheTracksAfterIt() {
        post("/v1/batch", """
                {"batch":[
                  {"type":"track","userId":"order-u","event":"Before","messageId":"order-before"},
                  {"type":"group","userId":"order-u","groupId":"order-g","traits":{"plan":"Pro"}},
                  {"type":"track","userId":"order-u","event":"After"},
                  {"type":"page","userId":"order-u","category":"Docs","name":"Index"}
                ]}""");
        List<Received> calls = totango.awaitUser("order-u", 5);
        assertEquals("order-g", calls.get(0).param("sdr_o"));
        assertEquals("Pro", calls.get(0).param("sdr_o.plan"), "a plan given is sent, not the default");
        assertEquals(List.of("Before", "After", "Viewed Docs Page", "Viewed Docs Index Page"),
                calls.subList(1, 5).stream().map(c -> c.param("sdr_a")).toList(),
                "the track without an account was parked, then released by the group call, in order");
        calls.subList(1, 5).forEach(c -> assertEquals("order-g", c.param("sdr_o")));
        assertEquals("Docs", calls.get(4).param("sdr_m"));
    }

    @Test
    void aTrackBeforeItsGroupCallIsParkedThenDeliveredToThatAccount() {
        post("/v1/track", """
                {"userId":"park-u","event":"Early Bird","messageId":"park-1"}""");
        post("/v1/page", """
                {"userId":"park-u","name":"Early Page"}""");
        drain("park-marker");
        assertTrue(totango.forUser("park-u").isEmpty(), "nothing is sent without an account");
        post("/v1/group", """
                {"userId":"park-u","groupId":"park-g"}""");
        List<Received> calls = totango.awaitUser("park-u", 3);
        assertEquals(List.of("park-g", "park-g", "park-g"), calls.stream().map(c -> c.param("sdr_o")).toList());
        assertEquals("Early Bird", calls.get(1).param("sdr_a"));
        assertEquals("Viewed Early Page Page", calls.get(2).param("sdr_a"));
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> "park-1".equals(l.path("messageId").asText())));
    }

    @Test
    void twoGroupCallsInOneBatchReleaseAParkedEventOnce() {
        post("/v1/track", """
                {"userId":"twice-u","event":"Waiting","messageId":"twice-1"}""");
        drain("twice-marker");
        post("/v1/batch", """
                {"batch":[
                  {"type":"group","userId":"twice-u","groupId":"twice-g"},
                  {"type":"group","userId":"twice-u","groupId":"twice-g"}
                ]}""");
        List<Received> calls = totango.awaitUser("twice-u", 3);
        bundle.awaitIdle();
        assertEquals(1, totango.forUser("twice-u").stream().filter(c -> "Waiting".equals(c.param("sdr_a"))).count(),
                "the second group call of the batch finds the parked track released already: " + calls);
        assertEquals(3, totango.forUser("twice-u").size(), "two group calls and the track");
        assertEquals("Waiting", calls.get(1).param("sdr_a"), "the group's call, then the events it released");
    }

    @Test
    void anonymousUsersFindTheirGroupContextByAnonymousId() {
        post("/v1/group", """
                {"anonymousId":"anon-1","groupId":"anon-g"}""");
        post("/v1/page", """
                {"anonymousId":"anon-1","name":"Pricing"}""");
        Received page = totango.await(r -> "Viewed Pricing Page".equals(r.param("sdr_a")) && "anon-1".equals(r.param("sdr_u")), 1).get(0);
        assertEquals("anon-g", page.param("sdr_o"));
        Received group = totango.await(r -> "anon-g".equals(r.param("sdr_o")) && r.param("sdr_a") == null, 1).get(0);
        assertEquals("anon-1", group.param("sdr_u"), "spec §2: the anonymousId is the user of an anonymous group call");
    }

    @Test
    void batchContextAndIntegrationsMergeIntoEachEvent() {
        post("/v1/batch", """
                {"batch":[
                  {"type":"identify","userId":"merge-u1","traits":{"role":"admin"}},
                  {"type":"identify","userId":"merge-u2","traits":{"role":"viewer"},"integrations":{"Totango":true}}
                ],
                 "context":{"groupId":"merge-g"},
                 "integrations":{"All":false}}""");
        drain("merge-u1");
        assertTrue(totango.forUser("merge-u1").stream().noneMatch(c -> "admin".equals(c.param("sdr_u.role"))),
                "All:false from the batch keeps the first identify from Totango");
        Received second = totango.awaitUser("merge-u2", 1).get(0);
        assertEquals("merge-g", second.param("sdr_o"), "the batch context's groupId is the account");
        assertEquals("viewer", second.param("sdr_u.role"));
    }

    @Test
    void integrationsTotangoFalseKeepsAnEventFromTotango() {
        post("/v1/track", """
                {"userId":"off-u","event":"Hidden","context":{"groupId":"g"},"integrations":{"Totango":false}}""");
        post("/v1/track", """
                {"userId":"off-u","event":"HiddenToo","context":{"groupId":"g"},"integrations":{"All":false,"Totango":{}}}""");
        drain("off-u");
        List<Received> calls = totango.forUser("off-u");
        assertEquals(List.of("HiddenToo", "marker"), calls.stream().map(c -> c.param("sdr_a")).toList(),
                "Totango:false is dropped; All:false with a truthy Totango options object is sent");
    }

    @Test
    void withoutHierarchyOneCallGoesToTheProductAccount() {
        post("/v1/group", """
                {"userId":"flat-u","groupId":"flat-g","traits":{"name":"Flat Inc","employees":12},
                 "integrations":{"Totango":{"enableHierarchy":false,"parent":{"id":"P"},"product":{"id":"prodB","account_id":"flat-prodB-account"}}}}""");
        post("/v1/track", """
                {"userId":"flat-u","event":"Used Feature","properties":{"category":"Reports"}}""");
        List<Received> calls = totango.awaitUser("flat-u", 2);
        assertParams(Map.of("sdr_s", S, "sdr_o", "flat-prodB-account", "sdr_u", "flat-u", "sdr_odn", "Flat Inc",
                "sdr_o.employees", "12", "sdr_o.product_id", "prodB", "sdr_o.plan", "Free"), calls.get(0));
        assertEquals("flat-prodB-account", calls.get(1).param("sdr_o"));
        assertEquals("Reports", calls.get(1).param("sdr_m"));
    }

    @Test
    void heartbeatsAndScreensAreActivities() {
        post("/v1/page", """
                {"userId":"hb-u","name":"__heartbeat","category":"Docs","context":{"groupId":"g"}}""");
        post("/v1/screen", """
                {"userId":"hb-u","name":"Home","properties":{"category":"Mobile"},"context":{"groupId":"g"}}""");
        List<Received> calls = totango.awaitUser("hb-u", 3);
        assertEquals("__heartbeat", calls.get(0).param("sdr_a"));
        assertEquals("__system", calls.get(0).param("sdr_m"));
        assertEquals(List.of("Viewed Mobile Page", "Viewed Mobile Home Page"),
                calls.subList(1, 3).stream().map(c -> c.param("sdr_a")).toList());
    }

    @Test
    void aliasAndPagesWithoutNameOrCategoryAreAcknowledgedAndNotSent() {
        post("/v1/alias", """
                {"userId":"alias-u","previousId":"old-id"}""");
        post("/v1/page", """
                {"userId":"alias-u","context":{"groupId":"g"}}""");
        drain("alias-u");
        assertEquals(1, totango.forUser("alias-u").size(), "only the marker: " + totango.forUser("alias-u"));
    }

    @Test
    void attributeValuesAreEncodedAsTheSpecSays() {
        post("/v1/identify", """
                {"userId":"enc-u","context":{"groupId":"enc-g"},"traits":{
                  "createdAt":1709288430000,"lastSeen":"2024-03-01T12:20:30+02:00","birthday":"1990-05-17",
                  "score":42.50,"visits":7,"admin":true,"nothing":null,"address":{"city":"Lyon","zip":{"code":"69001"}},
                  "tags":["a","b",3,null],"motto":"A & B = C?","notADate":"2024-13-45",
                  "firstName":"Ada","lastName":"Lovelace"}}""");
        Received call = totango.awaitUser("enc-u", 1).get(0);
        assertEquals("2024-03-01T10:20:30.000Z", call.param("sdr_u.Create Date"), "epoch millis of createdAt");
        assertEquals("2024-03-01T10:20:30.000Z", call.param("sdr_u.lastSeen"), "ISO with offset, to UTC");
        assertEquals("1990-05-17T00:00:00.000Z", call.param("sdr_u.birthday"), "date only");
        assertEquals("42.50", call.param("sdr_u.score"));
        assertEquals("7", call.param("sdr_u.visits"));
        assertEquals("true", call.param("sdr_u.admin"));
        assertFalse(call.params().containsKey("sdr_u.nothing"), "nulls are dropped");
        assertEquals("Lyon", call.param("sdr_u.address.city"));
        assertEquals("69001", call.param("sdr_u.address.zip.code"));
        assertEquals("a,b,3", call.param("sdr_u.tags"));
        assertEquals("A & B = C?", call.param("sdr_u.motto"), "& and = are data, not parameters");
        assertEquals("2024-13-45", call.param("sdr_u.notADate"));
        assertEquals("Ada Lovelace", call.param("sdr_u.name"), "name from firstName and lastName when no name");
        assertNull(call.param("sdr_u.createdAt"));
        assertTrue(call.body().contains("A%20%26%20B%20%3D%20C%3F"), "spaces as %20, & and = encoded: " + call.body());
    }

    @Test
    void engageAudienceIdentifiesPassTheirBooleanTraits() {
        post("/v1/identify", """
                {"userId":"engage-u","context":{"groupId":"g","personas":{"computation_class":"audience"}},
                 "traits":{"order_completed_last_30days":true}}""");
        assertEquals("true", totango.awaitUser("engage-u", 1).get(0).param("sdr_u.order_completed_last_30days"));
    }

    @Test
    void noInboundHeaderReachesTotango() {
        HttpResponse<String> response = bundle.send(bundle.request("/v1/track")
                .header("Content-Type", "application/json")
                .header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY))
                .header("Cookie", "session=secret")
                .header("X-Forwarded-For", "10.1.2.3")
                .header("X-Custom", "leak")
                .header("CamelHttpUri", "http://127.0.0.1:1/evil")
                .header("CamelHttpPath", "/evil")
                .header("CamelHttpQuery", "sdr_s=evil")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"userId\":\"hdr-u\",\"event\":\"E&sdr_s=evil\",\"context\":{\"groupId\":\"g\"}}"))
                .build());
        accepted(response);
        Received call = totango.awaitUser("hdr-u", 1).get(0);
        assertEquals("/pixel.gif/", call.path());
        assertEquals(S, call.param("sdr_s"));
        assertEquals("E&sdr_s=evil", call.param("sdr_a"));
        for (String header : call.headers().keySet()) {
            String name = header.toLowerCase();
            assertFalse(name.equals("authorization") || name.equals("cookie") || name.startsWith("x-") || name.startsWith("camel"),
                    "inbound header reached Totango: " + header);
        }
    }

    @Test
    void writeKeyInTheBodyIsAccepted() {
        HttpResponse<String> response = bundle.send(bundle.request("/v1/batch").header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
                        {"writeKey":"second-key","batch":[{"type":"track","userId":"body-key-u","event":"E","context":{"groupId":"g"}}]}"""))
                .build());
        accepted(response);
        totango.awaitUser("body-key-u", 1);
    }
}
