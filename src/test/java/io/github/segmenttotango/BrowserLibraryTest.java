package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.github.segmenttotango.support.HeadlessChromium;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Segment's browser library ({@code @segment/analytics-next} 1.84.3, unchanged, under
 * src/test/resources/analytics-next) in a real headless Chromium, on a web page served from another
 * origin than the bundle: what a site does (identify, group, track, page) reaches Totango as the
 * mapping contract says, and the page reads every answer. Skipped without chromium and chromedriver
 * (Debian packages {@code chromium}, {@code chromium-driver}; .ci/run installs them).
 */
@Tag("process")
class BrowserLibraryTest {

    private static final String ADMIN_TOKEN = "browser-admin";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TotangoStandIn totango;
    private static RunningBundle bundle;
    private static HttpServer site;
    /** The page's origin the bundle allows (localhost), and one it does not (127.0.0.1, same server). */
    private static String allowedPage;
    private static String otherPage;

    private static HeadlessChromium chromium;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(HeadlessChromium.installed(), HeadlessChromium.missing());
        site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            try (InputStream file = name.matches("[a-z0-9.-]+\\.(html|js)")
                    ? BrowserLibraryTest.class.getResourceAsStream("/analytics-next/" + name) : null) {
                if (file == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    byte[] content = file.readAllBytes();
                    exchange.getResponseHeaders().add("Content-Type", name.endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript");
                    exchange.sendResponseHeaders(200, content.length);
                    exchange.getResponseBody().write(content);
                }
            }
            exchange.close();
        });
        site.start();
        int port = site.getAddress().getPort();
        allowedPage = "http://localhost:" + port;
        otherPage = "http://127.0.0.1:" + port;
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("segment.cors.allowed-origins", allowedPage,
                "bridge.admin-token", ADMIN_TOKEN));
        chromium = new HeadlessChromium();
        browser = chromium.driver();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (bundle != null) {
            bundle.close();
        }
        if (totango != null) {
            totango.close();
        }
        if (site != null) {
            site.stop(0);
        }
    }

    /** Opens the page from this origin, as a first-time visitor: nothing the library kept (cookies, storage). */
    private static void openPage(String origin) {
        browser.get(origin + "/page.html");
        browser.manage().deleteAllCookies();
        browser.executeScript("localStorage.clear(); sessionStorage.clear();");
    }

    @Test
    void aSiteSessionReachesTotangoOneRequestPerCall() {
        session("web-u1", "web-g1", null, 4);
    }

    @Test
    void aSiteSessionReachesTotangoWithTheBatchingDeliveryStrategy() {
        // identify alone goes after the timeout; group, track and page fill the next batch of 3
        session("web-u2", "web-g2", Map.of("strategy", "batching", "config", Map.of("size", 3, "timeout", 300)), 2);
    }

    @Test
    void aPageOfAnotherOriginIsRefusedByTheBrowserAndNothingIsTaken() {
        openPage(otherPage);
        run("await loadAnalytics(arguments[0], arguments[1], undefined);"
                + "await analytics.identify('web-other', {name: 'Other'});"
                + "await analytics.track('Other Click', {category: 'Other'});", bundleHost(), RunningBundle.WRITE_KEY);
        List<Map<String, Object>> requests = requests();
        assertTrue(requests.size() >= 2, "an attempt per call at least (the library tries again later): " + requests);
        for (Map<String, Object> request : requests) {
            assertFalse(request.containsKey("status"), "the page got no answer: " + request);
            assertTrue(String.valueOf(request.get("error")).contains("Failed to fetch"), request.toString());
        }
        List<String> console = browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
        assertTrue(console.stream().anyMatch(line -> line.contains("blocked by CORS policy") && line.contains("preflight")),
                "the browser says why: " + console);
        // nothing was taken: a call sent after the page's, for the same user, is the user's only one
        RunningBundle.accepted(bundle.post("/v1/track", "{\"userId\":\"web-other\",\"event\":\"Marker\",\"context\":{\"groupId\":\"g\"}}"));
        List<Received> calls = totango.awaitUser("web-other", 1);
        assertEquals(List.of("Marker"), calls.stream().map(c -> c.param("sdr_a")).toList());
        assertEquals(0, parkedOf("web-other").size());
    }

    /**
     * identify first (the user has no account yet: parked), then group (which releases it), track and
     * page, as a site calls them; then checks what Totango received and what the page saw.
     */
    @SuppressWarnings("unchecked")
    private void session(String user, String group, Map<String, Object> deliveryStrategy, int expectedRequests) {
        openPage(allowedPage);
        Map<String, Object> identified = (Map<String, Object>) run("await loadAnalytics(arguments[0], arguments[1], arguments[2]);"
                + "const ctx = await analytics.identify(arguments[3], {name: 'Web User', email: 'web@example.com'});"
                + "return {failures: failures([ctx]), messageId: ctx.event.messageId};",
                bundleHost(), RunningBundle.WRITE_KEY, deliveryStrategy, user);
        assertEquals(List.of(), identified.get("failures"));
        JsonNode parked = awaitParked(user);
        assertEquals("identify", parked.path("type").asText());
        assertEquals(identified.get("messageId"), parked.path("messageId").asText(), "the library's own event");
        assertTrue(totango.forUser(user).isEmpty(), "no account yet: nothing sent");

        Map<String, Object> rest = (Map<String, Object>) run("const contexts = [];"
                + "contexts.push(await analytics.group(arguments[0], {name: 'Web Co', plan: 'Pro'}));"
                + "contexts.push(await analytics.track('Clicked Export', {category: 'Reports', format: 'csv'}));"
                + "contexts.push(await analytics.page('Docs', 'Getting Started'));"
                + "return {failures: failures(contexts)};", group);
        assertEquals(List.of(), rest.get("failures"));

        List<Received> calls = totango.awaitUser(user, 5);
        assertEquals(group, calls.get(0).param("sdr_o"));
        assertEquals("Web Co", calls.get(0).param("sdr_odn"), "the group call first: " + calls);
        assertEquals("Pro", calls.get(0).param("sdr_o.plan"));
        assertEquals("Web User", calls.get(1).param("sdr_u.name"), "then the identify it released: " + calls);
        assertEquals("web@example.com", calls.get(1).param("sdr_u.email"));
        List<Received> activities = calls.subList(2, 5);
        assertEquals(List.of("Clicked Export", "Viewed Docs Page", "Viewed Docs Getting Started Page"),
                activities.stream().map(c -> c.param("sdr_a")).toList());
        assertEquals(List.of("Reports", "Docs", "Docs"), activities.stream().map(c -> c.param("sdr_m")).toList());
        calls.forEach(call -> {
            assertEquals(group, call.param("sdr_o"), "the account of every call, from the group context: " + call);
            assertEquals(RunningBundle.SERVICE_ID, call.param("sdr_s"));
            assertTrue(call.headers().keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Origin") || h.equalsIgnoreCase("Authorization")),
                    "no header of the browser reaches Totango: " + call.headers());
        });
        assertEquals(0, parkedOf(user).size(), "released");

        List<Map<String, Object>> requests = requests();
        assertEquals(expectedRequests, requests.size(), "one attempt each, none sent again: " + requests);
        for (Map<String, Object> request : requests) {
            assertEquals(200, ((Number) request.get("status")).intValue(), "the page reads the answer: " + request);
            assertTrue(String.valueOf(request.get("body")).contains("\"success\":true"), request.toString());
            assertFalse(((Map<String, Object>) request.get("headers")).containsKey("X-Retry-Count"), request.toString());
            assertTrue(String.valueOf(request.get("url")).startsWith("http://" + bundleHost() + "/v1/"), request.toString());
        }
        if (deliveryStrategy != null) {
            assertTrue(requests.stream().allMatch(r -> String.valueOf(r.get("url")).endsWith("/v1/b")), "batches: " + requests);
        }
        assertEquals(List.of(), browser.executeScript("return window.deliveryErrors;"));
    }

    /** Runs the body of an async function in the page, with these arguments, and returns its result. */
    private Object run(String body, Object... arguments) {
        Object[] all = new Object[arguments.length];
        System.arraycopy(arguments, 0, all, 0, arguments.length);
        Object result = ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "(async function () {" + body + "}).apply(null, Array.prototype.slice.call(arguments, 0, -1))"
                + ".then(done, (e) => done({scriptError: String(e && e.stack || e)}));", all);
        if (result instanceof Map<?, ?> map && map.containsKey("scriptError")) {
            throw new AssertionError("The page failed: " + map.get("scriptError"));
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> requests() {
        return (List<Map<String, Object>>) browser.executeScript("return window.requests;");
    }

    private static String bundleHost() {
        return bundle.baseUrl().substring("http://".length());
    }

    private static List<JsonNode> parkedOf(String user) {
        try {
            JsonNode answer = JSON.readTree(bundle.send(bundle.request("/admin/parked")
                    .header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build()).body());
            return java.util.stream.StreamSupport.stream(answer.path("items").spliterator(), false)
                    .filter(event -> user.equals(event.path("userId").asText())).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode awaitParked(String user) {
        return Wait.atMost(Duration.ofSeconds(15)).alias("the identify of " + user + " parked")
                .until(() -> parkedOf(user), parked -> !parked.isEmpty()).get(0);
    }
}
