package io.github.segmenttotango.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.ingest.SegmentJson;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mapping of shared/spec/totango-mapping.md, rule by rule, without Camel. */
class SegmentToTotangoTest {

    private static final ObjectMapper JSON = SegmentJson.mapper(IngestLimits.segmentDefaults());
    private final SegmentToTotango mapping = new SegmentToTotango(MappingSettings.defaults());

    private static JsonNode event(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> only(List<TotangoCall> calls) {
        assertEquals(1, calls.size(), "calls: " + calls);
        return calls.get(0).params();
    }

    @Test
    void example1_identify() {
        JsonNode identify = event("""
                {"type":"identify","userId":"u1","traits":{"email":"a@b.co","name":"Ann","created":"2024-03-01T10:20:30Z"},"context":{"groupId":"g1"}}""");
        String account = SegmentToTotango.accountOf(identify, null);
        assertEquals(Map.of("sdr_o", "g1", "sdr_u", "u1", "sdr_u.email", "a@b.co", "sdr_u.name", "Ann",
                "sdr_u.Create Date", "2024-03-01T10:20:30.000Z"), only(mapping.identify(identify, account)));
    }

    @Test
    void example2_groupWithDefaultPlan() {
        JsonNode group = event("""
                {"type":"group","userId":"u1","groupId":"g1","traits":{"name":"Initech","website":"initech.com"}}""");
        assertEquals(Map.of("sdr_o", "g1", "sdr_u", "u1", "sdr_odn", "Initech", "sdr_o.website", "initech.com", "sdr_o.plan", "Free"),
                only(mapping.group(group)));
        assertEquals(new GroupContext("g1", null), mapping.groupContextOf(group));
    }

    @Test
    void example3_trackUsesTheCachedAccount() {
        JsonNode track = event("""
                {"type":"track","userId":"u1","event":"Completed Purchase","properties":{"revenue":42.99,"category":"Conversion"}}""");
        String account = SegmentToTotango.accountOf(track, new GroupContext("g1", null));
        assertEquals(Map.of("sdr_o", "g1", "sdr_u", "u1", "sdr_a", "Completed Purchase", "sdr_m", "Conversion"),
                only(mapping.track(track, account)));
    }

    @Test
    void example4_trackWithContextTraits() {
        JsonNode track = event("""
                {"type":"track","userId":"u2","event":"Login","context":{"groupId":"g2","traits":{"email":"c@d.co"}}}""");
        assertEquals(Map.of("sdr_o", "g2", "sdr_u", "u2", "sdr_a", "Login", "sdr_m", "Unknown", "sdr_u.email", "c@d.co"),
                only(mapping.track(track, SegmentToTotango.accountOf(track, new GroupContext("other", null)))),
                "context.groupId wins over the cache");
    }

    @Test
    void theUserOfEveryCallIsTheUserIdElseTheAnonymousId() {
        JsonNode anonymousGroup = event("""
                {"type":"group","anonymousId":"anon-1","groupId":"g","integrations":{"Totango":{"product":{"id":"p"}}}}""");
        assertEquals(List.of("anon-1", "anon-1"), mapping.group(anonymousGroup).stream().map(c -> c.params().get("sdr_u")).toList(),
                "spec §2: sdr_u on the account and the product account call");
        JsonNode both = event("""
                {"type":"group","userId":"u1","anonymousId":"anon-1","groupId":"g"}""");
        assertEquals("u1", only(mapping.group(both)).get("sdr_u"));
    }

    @Test
    void aTrackWithoutEventNameIsSentAsUnknown() {
        for (String track : List.of("{\"type\":\"track\",\"userId\":\"u\"}", "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"\"}",
                "{\"type\":\"track\",\"userId\":\"u\",\"event\":null,\"properties\":{\"category\":\"\"}}")) {
            Map<String, String> params = only(mapping.track(event(track), "g"));
            assertEquals("Unknown", params.get("sdr_a"), track);
            assertEquals("Unknown", params.get("sdr_m"), track);
        }
    }

    @Test
    void example5_namedPage() {
        JsonNode page = event("""
                {"type":"page","userId":"u2","name":"Signup","context":{"groupId":"g2"}}""");
        assertEquals(Map.of("sdr_o", "g2", "sdr_u", "u2", "sdr_a", "Viewed Signup Page", "sdr_m", "Unknown"),
                only(mapping.page(page, "g2")));
    }

    @Test
    void examples6and7_parentAndProduct() {
        JsonNode group = event("""
                {"type":"group","userId":"u3","groupId":"test_group","traits":{"name":"Initech"},"integrations":{"Totango":{"parent":{"id":"XYZ-85b"},"product":{"id":"productA"}}}}""");
        List<TotangoCall> calls = mapping.group(group);
        assertEquals(2, calls.size());
        assertEquals(Map.of("sdr_o", "test_group", "sdr_u", "u3", "sdr_odn", "Initech", "sdr_o.parent_id", "XYZ-85b",
                "sdr_o.plan", "Free"), calls.get(0).params());
        assertEquals(Map.of("sdr_o", "test_group__productA", "sdr_u", "u3", "sdr_o.product_id", "productA",
                "sdr_o.parent_id", "test_group"), calls.get(1).params());
        GroupContext context = mapping.groupContextOf(group);
        assertEquals("test_group__productA", context.activityAccount());
        JsonNode track = event("{\"type\":\"track\",\"userId\":\"u3\",\"event\":\"X\"}");
        assertEquals("test_group__productA", SegmentToTotango.accountOf(track, context));
    }

    @Test
    void example8_noAccount() {
        assertNull(SegmentToTotango.accountOf(event("{\"type\":\"track\",\"userId\":\"u9\",\"event\":\"X\"}"), null));
    }

    @Test
    void productFieldsPassThroughAndAccountIdIsTakenWhenGiven() {
        JsonNode group = event("""
                {"groupId":"g","userId":"u","integrations":{"Totango":{"product":{"id":"p","account_id":"acc-p","tier":"gold"}}}}""");
        List<TotangoCall> calls = mapping.group(group);
        assertEquals(Map.of("sdr_o", "acc-p", "sdr_u", "u", "sdr_o.product_id", "p", "sdr_o.parent_id", "g", "sdr_o.tier", "gold"),
                calls.get(1).params());
        assertEquals(new GroupContext("g", "acc-p"), mapping.groupContextOf(group));
    }

    @Test
    void withoutHierarchyOneCallToTheProductAccountWithoutParent() {
        JsonNode group = event("""
                {"groupId":"g","userId":"u","traits":{"name":"N","plan":"Pro","createdAt":"2020-01-02"},
                 "integrations":{"Totango":{"enableHierarchy":false,"parent":{"id":"P"},"product":{"id":"p"}}}}""");
        assertEquals(Map.of("sdr_o", "g__p", "sdr_u", "u", "sdr_odn", "N", "sdr_o.plan", "Pro",
                "sdr_o.Create Date", "2020-01-02T00:00:00.000Z", "sdr_o.product_id", "p"), only(mapping.group(group)));
    }

    @Test
    void separatorAndDefaultPlanAreSettings() {
        SegmentToTotango custom = new SegmentToTotango(new MappingSettings("", true, true, false, "--"));
        JsonNode group = event("""
                {"groupId":"g","userId":"u","integrations":{"Totango":{"product":{"id":"p"}}}}""");
        List<TotangoCall> calls = custom.group(group);
        assertFalse(calls.get(0).params().containsKey("sdr_o.plan"), "an empty default plan sends none");
        assertEquals("g--p", calls.get(1).account());
    }

    @Test
    void withTrackModuleFromLastPageATrackWithoutCategoryTakesTheLastPagesModule() {
        SegmentToTotango deviceMode = new SegmentToTotango(MappingSettings.defaults().withTrackModuleFromLastPage(true));
        JsonNode page = event("{\"type\":\"page\",\"userId\":\"u\",\"category\":\"Category\",\"name\":\"Name\"}");
        assertEquals("Category", deviceMode.lastPageModuleOf(page));
        assertEquals("Screens", deviceMode.lastPageModuleOf(event("{\"type\":\"screen\",\"properties\":{\"category\":\"Screens\"}}")),
                "properties.category when there is no top-level category");
        assertNull(deviceMode.lastPageModuleOf(event("{\"type\":\"page\",\"name\":\"Home\",\"category\":\"\"}")), "no category, nothing to remember");
        assertNull(deviceMode.lastPageModuleOf(event("{\"type\":\"page\",\"name\":\"__heartbeat\",\"category\":\"Docs\"}")),
                "a heartbeat is no page view");

        JsonNode bare = event("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"event\"}");
        assertFalse(SegmentToTotango.namesModule(bare));
        assertEquals("Category", only(deviceMode.track(bare, "g", "Category")).get("sdr_m"), "Segment's own test: page then track");
        assertEquals("Unknown", only(deviceMode.track(bare, "g", null)).get("sdr_m"), "no page before");
        assertEquals("Category", only(deviceMode.track(event("{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"category\":\"\"}}"), "g",
                "Category")).get("sdr_m"), "an empty category is none");
        JsonNode preferred = event("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"event\",\"properties\":{\"category\":\"preferred\"}}");
        assertTrue(SegmentToTotango.namesModule(preferred));
        assertEquals("preferred", only(deviceMode.track(preferred, "g", "Category")).get("sdr_m"), "the track's own category wins");
    }

    @Test
    void withoutTrackModuleFromLastPageTracksStayUnknownAndPagesLeaveNothing() {
        JsonNode page = event("{\"type\":\"page\",\"userId\":\"u\",\"category\":\"Category\"}");
        assertFalse(MappingSettings.defaults().trackModuleFromLastPage(), "off by default");
        assertNull(mapping.lastPageModuleOf(page));
        JsonNode bare = event("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"event\"}");
        assertEquals("Unknown", only(mapping.track(bare, "g", "Category")).get("sdr_m"), "a module given is ignored with the setting off");
        assertEquals(only(mapping.track(bare, "g")), only(mapping.track(bare, "g", null)));
    }

    @Test
    void pagesFollowTheirSettings() {
        JsonNode page = event("{\"type\":\"page\",\"userId\":\"u\",\"name\":\"Index\",\"category\":\"Docs\"}");
        assertEquals(List.of("Viewed Docs Page", "Viewed Docs Index Page"), activities(mapping.page(page, "g")));
        assertEquals(List.of("Viewed Docs Index Page"),
                activities(new SegmentToTotango(new MappingSettings("Free", true, false, false, "__")).page(page, "g")));
        assertEquals(List.of("Viewed Docs Page"),
                activities(new SegmentToTotango(new MappingSettings("Free", false, true, false, "__")).page(page, "g")));
        assertEquals(List.of(), activities(mapping.page(event("{\"type\":\"page\",\"userId\":\"u\"}"), "g")));
        JsonNode propertiesOnly = event("{\"type\":\"page\",\"userId\":\"u\",\"properties\":{\"category\":\"Help\",\"name\":\"FAQ\"}}");
        assertEquals(List.of("Viewed Help Page", "Viewed Help FAQ Page"), activities(mapping.page(propertiesOnly, "g")));
        mapping.page(propertiesOnly, "g").forEach(call -> assertEquals("Help", call.param("sdr_m")));
    }

    @Test
    void heartbeatsAreKeptAsTheyAreOrDropped() {
        JsonNode heartbeat = event("{\"type\":\"page\",\"userId\":\"u\",\"name\":\"__heartbeat\",\"category\":\"Docs\"}");
        Map<String, String> call = only(mapping.page(heartbeat, "g"));
        assertEquals("__heartbeat", call.get("sdr_a"));
        assertEquals("__system", call.get("sdr_m"));
        assertEquals(List.of(), new SegmentToTotango(new MappingSettings("Free", true, true, true, "__")).page(heartbeat, "g"));
    }

    @Test
    void trackWithEmptyNamesIsSentAsUnknown() {
        Map<String, String> call = only(mapping.track(event("{\"userId\":\"u\",\"event\":\"\",\"properties\":{\"category\":\"\"}}"), "g"));
        assertEquals("Unknown", call.get("sdr_a"));
        assertEquals("Unknown", call.get("sdr_m"));
    }

    @Test
    void userIsUserIdElseAnonymousId() {
        assertEquals("u", SegmentToTotango.userOf(event("{\"userId\":\"u\",\"anonymousId\":\"a\"}")));
        assertEquals("a", SegmentToTotango.userOf(event("{\"userId\":\"\",\"anonymousId\":\"a\"}")));
        assertEquals("42", SegmentToTotango.userOf(event("{\"userId\":42}")), "numeric ids as their text");
    }

    @Test
    void integrationsDecideWhetherAnEventIsSent() {
        assertTrue(SegmentToTotango.sendsToTotango(event("{}")));
        assertTrue(SegmentToTotango.sendsToTotango(event("{\"integrations\":{\"Totango\":true}}")));
        assertFalse(SegmentToTotango.sendsToTotango(event("{\"integrations\":{\"Totango\":false}}")));
        assertFalse(SegmentToTotango.sendsToTotango(event("{\"integrations\":{\"All\":false}}")));
        assertTrue(SegmentToTotango.sendsToTotango(event("{\"integrations\":{\"All\":false,\"Totango\":true}}")));
        assertTrue(SegmentToTotango.sendsToTotango(event("{\"integrations\":{\"All\":false,\"Totango\":{\"parent\":{}}}}")));
        assertTrue(SegmentToTotango.sendsToTotango(event("{\"integrations\":{\"All\":true,\"Other\":false}}")));
    }

    @Test
    void attributeEncoding() {
        Map<String, String> call = only(mapping.identify(event("""
                {"userId":"u","traits":{"a":"text","n":42.5,"i":7,"b":false,"z":null,"o":{"p":{"q":1}},"arr":[1,"x",true,null,{"k":"v"}],
                 "d1":"2024-03-01T10:20:30.123456Z","d2":"2024-03-01 10:20:30","d3":"2024-03-01","created":"nope"}}"""), "g"));
        assertEquals("text", call.get("sdr_u.a"));
        assertEquals("42.5", call.get("sdr_u.n"));
        assertEquals("7", call.get("sdr_u.i"));
        assertEquals("false", call.get("sdr_u.b"));
        assertFalse(call.containsKey("sdr_u.z"));
        assertEquals("1", call.get("sdr_u.o.p.q"));
        assertEquals("1,x,true,{\"k\":\"v\"}", call.get("sdr_u.arr"));
        assertEquals("2024-03-01T10:20:30.123Z", call.get("sdr_u.d1"));
        assertEquals("2024-03-01T10:20:30.000Z", call.get("sdr_u.d2"), "no offset is UTC");
        assertEquals("2024-03-01T00:00:00.000Z", call.get("sdr_u.d3"));
        assertEquals("nope", call.get("sdr_u.Create Date"), "a value that is not a date passes through unchanged");
    }

    @Test
    void datesInAllAcceptedForms() {
        assertEquals("2024-03-01T10:20:30.000Z", TotangoDates.fromText("2024-03-01T11:20:30+01:00").orElseThrow());
        assertEquals("2024-03-01T10:20:30.500Z", TotangoDates.fromText("2024-03-01T10:20:30.5Z").orElseThrow());
        assertEquals("2024-03-01T10:20:00.000Z", TotangoDates.fromText("2024-03-01T10:20Z").orElseThrow());
        assertTrue(TotangoDates.fromText("2024-02-30").isEmpty());
        assertTrue(TotangoDates.fromText("hello").isEmpty());
        assertEquals("2024-03-01T10:20:30.000Z", TotangoDates.fromEpochMillis(1709288430000L).orElseThrow());
        assertTrue(TotangoDates.fromEpochMillis(-1).isEmpty());
        assertEquals("2024-03-01T10:20:30.000Z", AttributeEncoder.encodeDate(JSON.getNodeFactory().numberNode(1709288430000L)));
        assertEquals("12", AttributeEncoder.encodeDate(JSON.getNodeFactory().textNode("12")));
    }

    private static List<String> activities(List<TotangoCall> calls) {
        return calls.stream().map(call -> call.param("sdr_a")).toList();
    }
}
