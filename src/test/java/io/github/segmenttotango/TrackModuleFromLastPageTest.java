package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.github.segmenttotango.support.RunningBundle.accepted;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Setting {@code totango.track-module-from-last-page} (spec §3 track, Decision; issue 30), through
 * the running bundle: with it on, a track without category goes under the module of its user's last
 * page; with it off (the default), under {@code Unknown}.
 */
class TrackModuleFromLastPageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ON = Map.of("totango.track-module-from-last-page", "true");
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, ON);
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static String page(String user, String category, String name) {
        return "{\"type\":\"page\",\"userId\":\"" + user + "\"" + (category == null ? "" : ",\"category\":\"" + category + "\"")
                + (name == null ? "" : ",\"name\":\"" + name + "\"") + ",\"context\":{\"groupId\":\"lp-g\"}}";
    }

    private static String track(String user, String event) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"context\":{\"groupId\":\"lp-g\"}}";
    }

    private static String track(String user, String event, String category) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"properties\":{\"category\":\""
                + category + "\"},\"context\":{\"groupId\":\"lp-g\"}}";
    }

    private static void post(RunningBundle to, String path, String json) {
        accepted(to.post(path, json));
    }

    /** The module Totango received for the activity {@code event} of {@code user}. */
    private static String moduleOf(TotangoStandIn stand, String user, String event) {
        return stand.await(r -> user.equals(r.param("sdr_u")) && event.equals(r.param("sdr_a")), 1).get(0).param("sdr_m");
    }

    @Test
    void aTrackWithoutCategoryTakesTheModuleOfTheUsersLastPage() {
        post(bundle, "/v1/page", page("lp-page", "Category", "Name"));
        post(bundle, "/v1/track", track("lp-page", "event"));
        List<Received> calls = totango.awaitUser("lp-page", 3);
        assertEquals(List.of("Viewed Category Page", "Viewed Category Name Page", "event"),
                calls.stream().map(c -> c.param("sdr_a")).toList());
        assertEquals("Category", calls.get(2).param("sdr_m"), "Segment's device mode test: page('Category','Name'), track('event')");
    }

    @Test
    void aTrackWithItsOwnCategoryKeepsItAndChangesNothingRemembered() {
        post(bundle, "/v1/page", page("lp-own", "Category", "Name"));
        post(bundle, "/v1/track", track("lp-own", "preferred event", "preferred"));
        post(bundle, "/v1/page", page("lp-own", null, "No Category"));
        post(bundle, "/v1/screen", "{\"userId\":\"lp-own\",\"name\":\"__heartbeat\",\"category\":\"Beat\",\"context\":{\"groupId\":\"lp-g\"}}");
        post(bundle, "/v1/track", track("lp-own", "bare event"));
        assertEquals("preferred", moduleOf(totango, "lp-own", "preferred event"));
        assertEquals("Category", moduleOf(totango, "lp-own", "bare event"),
                "neither the track's own category, a page without category nor a heartbeat changes the module remembered");
    }

    @Test
    void aTrackWithNoPageBeforeIsUnknown() {
        post(bundle, "/v1/track", track("lp-nopage", "event"));
        post(bundle, "/v1/track", "{\"userId\":\"lp-nopage\",\"event\":\"empty\",\"properties\":{\"category\":\"\"},\"context\":{\"groupId\":\"lp-g\"}}");
        assertEquals("Unknown", moduleOf(totango, "lp-nopage", "event"));
        assertEquals("Unknown", moduleOf(totango, "lp-nopage", "empty"));
    }

    @Test
    void usersDoNotShareModules() {
        post(bundle, "/v1/page", page("lp-alice", "Alpha", null));
        post(bundle, "/v1/page", page("lp-bob", "Beta", null));
        post(bundle, "/v1/screen", "{\"anonymousId\":\"lp-anon\",\"name\":\"Home\",\"properties\":{\"category\":\"Mobile\"},"
                + "\"context\":{\"groupId\":\"lp-g\"}}");
        post(bundle, "/v1/track", track("lp-bob", "event"));
        post(bundle, "/v1/track", track("lp-alice", "event"));
        post(bundle, "/v1/track", track("lp-carol", "event"));
        post(bundle, "/v1/track", "{\"anonymousId\":\"lp-anon\",\"event\":\"tap\",\"context\":{\"groupId\":\"lp-g\"}}");
        assertEquals("Beta", moduleOf(totango, "lp-bob", "event"));
        assertEquals("Alpha", moduleOf(totango, "lp-alice", "event"));
        assertEquals("Unknown", moduleOf(totango, "lp-carol", "event"));
        assertEquals("Mobile", moduleOf(totango, "lp-anon", "tap"), "an anonymous user's screen, by anonymousId");
    }

    @Test
    void aPageEarlierInTheSameBatchCountsForTheTracksAfterIt() {
        post(bundle, "/v1/batch", "{\"batch\":[" + track("lp-batch", "before") + "," + page("lp-batch", "First", null) + ","
                + track("lp-batch", "between") + "," + page("lp-batch", "Second", null) + "," + track("lp-batch", "after") + "]}");
        List<Received> calls = totango.awaitUser("lp-batch", 5);
        assertEquals(List.of("before:Unknown", "Viewed First Page:First", "between:First", "Viewed Second Page:Second", "after:Second"),
                calls.stream().map(c -> c.param("sdr_a") + ":" + c.param("sdr_m")).toList());
    }

    @Test
    void aParkedPageCountsWhenItIsReleasedInOrder() {
        post(bundle, "/v1/batch", "{\"batch\":["
                + "{\"type\":\"track\",\"userId\":\"lp-park\",\"event\":\"early\"},"
                + "{\"type\":\"page\",\"userId\":\"lp-park\",\"category\":\"Parked\"},"
                + "{\"type\":\"track\",\"userId\":\"lp-park\",\"event\":\"late\"},"
                + "{\"type\":\"group\",\"userId\":\"lp-park\",\"groupId\":\"lp-park-g\"}]}");
        List<Received> calls = totango.awaitUser("lp-park", 4);
        assertEquals(List.of("early:Unknown", "Viewed Parked Page:Parked", "late:Parked"),
                calls.subList(1, 4).stream().map(c -> c.param("sdr_a") + ":" + c.param("sdr_m")).toList(),
                "events without an account wait for the group call, then go in the order they came");
    }

    @Test
    void thePreviewShowsTheModuleAndRemembersNothing() throws Exception {
        post(bundle, "/v1/page", page("lp-pv", "Remembered", null));
        totango.awaitUser("lp-pv", 1);
        HttpResponse<String> preview = bundle.post("/v1/preview", "{\"batch\":["
                + track("lp-pv", "known") + ","
                + page("lp-pv-new", "Previewed", null) + ","
                + track("lp-pv-new", "new") + ","
                + track("lp-pv", "own", "Own") + "]}");
        assertEquals(200, preview.statusCode(), preview.body());
        JsonNode calls = JSON.readTree(preview.body()).path("calls");
        assertEquals(4, calls.size(), preview.body());
        assertEquals("Remembered", calls.get(0).path("params").path("sdr_m").asText(), "the remembered module is read");
        assertEquals("Previewed", calls.get(2).path("params").path("sdr_m").asText(), "a page earlier in the preview counts");
        assertEquals("Own", calls.get(3).path("params").path("sdr_m").asText());

        post(bundle, "/v1/track", track("lp-pv-new", "real"));
        assertEquals("Unknown", moduleOf(totango, "lp-pv-new", "real"), "the preview remembered nothing");
        assertEquals(2, totango.forUser("lp-pv").size() + totango.forUser("lp-pv-new").size(), "the preview sent nothing");
    }

    @Test
    void theModuleRememberedSurvivesARestart(@TempDir Path data) throws Exception {
        Map<String, String> settings = Map.of("totango.track-module-from-last-page", "TRUE", "bridge.data-dir", data.toString());
        try (TotangoStandIn own = new TotangoStandIn()) {
            try (RunningBundle first = RunningBundle.start(own, settings)) {
                post(first, "/v1/page", page("lp-restart", "Before Restart", null));
                own.awaitUser("lp-restart", 1);
            }
            try (RunningBundle second = RunningBundle.start(own, settings)) {
                post(second, "/v1/track", track("lp-restart", "event"));
                assertEquals("Before Restart", moduleOf(own, "lp-restart", "event"));
            }
        }
    }

    @Test
    void withTheSettingOffTracksWithoutCategoryAreUnknown() throws Exception {
        try (TotangoStandIn own = new TotangoStandIn(); RunningBundle off = RunningBundle.start(own)) {
            post(off, "/v1/batch", "{\"batch\":[" + page("lp-off", "Category", "Name") + "," + track("lp-off", "same batch") + "]}");
            post(off, "/v1/track", track("lp-off", "later"));
            post(off, "/v1/track", track("lp-off", "own", "preferred"));
            assertEquals("Unknown", moduleOf(own, "lp-off", "same batch"));
            assertEquals("Unknown", moduleOf(own, "lp-off", "later"));
            assertEquals("preferred", moduleOf(own, "lp-off", "own"));
            HttpResponse<String> preview = off.post("/v1/preview", track("lp-off", "previewed"));
            assertEquals("Unknown", JSON.readTree(preview.body()).path("calls").get(0).path("params").path("sdr_m").asText(), preview.body());
        }
    }
}
