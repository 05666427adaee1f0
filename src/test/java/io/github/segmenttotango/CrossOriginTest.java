package io.github.segmenttotango;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Tracking API answers web pages of the origins segment.cors.allowed-origins lists (CORS), with
 * every answer, and nothing to others; the admin API stays same-origin. Over HTTP, as a browser asks.
 */
class CrossOriginTest {

    private static final String PAGE = "https://app.example.test";
    private static final String OTHER_PAGE = "https://evil.example.test";
    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("segment.cors.allowed-origins", PAGE + ", http://localhost:3000",
                "bridge.admin-token", "admin-secret"));
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static HttpResponse<String> preflight(String path, String origin, String requestedHeaders) {
        HttpRequest.Builder request = bundle.request(path).header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", BodyPublishers.noBody());
        return bundle.send((requestedHeaders == null ? request : request.header("Access-Control-Request-Headers", requestedHeaders)).build());
    }

    private static HttpResponse<String> postFrom(String origin, String path, String body) {
        return bundle.send(bundle.request(path).header("Origin", origin).header("Content-Type", "text/plain")
                .header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY)).POST(BodyPublishers.ofString(body)).build());
    }

    private static List<String> corsHeaders(HttpHeaders headers) {
        return headers.map().keySet().stream().filter(name -> name.toLowerCase().startsWith("access-control-")).toList();
    }

    @Test
    void anAllowedPagesPreflightIsAnsweredOnEveryTrackingApiPath() {
        for (String path : List.of("/v1/i", "/v1/t", "/v1/p", "/v1/g", "/v1/b", "/v1/batch", "/v1/track/", "/v1/identify", "/v1/m")) {
            HttpResponse<String> answer = preflight(path, PAGE, "authorization,x-retry-count");
            assertEquals(204, answer.statusCode(), path + ": " + answer.body());
            HttpHeaders headers = answer.headers();
            assertEquals(PAGE, headers.firstValue("Access-Control-Allow-Origin").orElse(null), path);
            assertEquals("POST", headers.firstValue("Access-Control-Allow-Methods").orElse(null), path);
            String allowed = headers.firstValue("Access-Control-Allow-Headers").orElse("");
            for (String header : List.of("authorization", "content-type", "content-encoding", "x-retry-count")) {
                assertTrue(allowed.contains(header), path + " allows " + allowed);
            }
            assertEquals("86400", headers.firstValue("Access-Control-Max-Age").orElse(null), path);
            assertEquals("Origin", headers.firstValue("Vary").orElse(null), path);
            assertFalse(headers.firstValue("Access-Control-Allow-Credentials").isPresent(), "never credentials");
            assertEquals("", answer.body());
        }
        assertEquals("http://localhost:3000", preflight("/v1/t", "http://localhost:3000", null).headers()
                .firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(preflight("/v1/t", PAGE, "X-Page-Header").headers().firstValue("Access-Control-Allow-Headers").orElse("")
                .contains("x-page-header"), "a header the page asks for is granted");
    }

    @Test
    void anotherPagesPreflightIs403WithAJsonBodyAndNoCorsHeader() {
        for (String origin : List.of(OTHER_PAGE, "http://app.example.test", "null")) {
            HttpResponse<String> answer = preflight("/v1/t", origin, "authorization");
            assertEquals(403, answer.statusCode(), origin);
            assertTrue(answer.body().contains("\"code\":\"origin_not_allowed\""), answer.body());
            assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertEquals(List.of(), corsHeaders(answer.headers()), origin);
        }
        HttpResponse<String> plainOptions = bundle.send(bundle.request("/v1/t").method("OPTIONS", BodyPublishers.noBody()).build());
        assertEquals(204, plainOptions.statusCode(), "OPTIONS without an Origin is no preflight: " + plainOptions.body());
        assertEquals("OPTIONS, POST", plainOptions.headers().firstValue("Allow").orElse(null));
        assertEquals(List.of(), corsHeaders(plainOptions.headers()));
    }

    @Test
    void everyAnswerToAnAllowedPageCarriesItsOriginErrorsIncluded() {
        HttpResponse<String> accepted = postFrom(PAGE, "/v1/t", "{\"userId\":\"cors-u\",\"event\":\"From A Page\",\"context\":{\"groupId\":\"g\"}}");
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertAllowed(accepted);
        assertEquals("From A Page", totango.awaitUser("cors-u", 1).get(0).param("sdr_a"));
        assertTrue(totango.forUser("cors-u").get(0).headers().keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Origin")),
                "the page's Origin does not reach Totango");

        HttpResponse<String> invalid = postFrom(PAGE, "/v1/t", "{\"userId\":");
        assertEquals(400, invalid.statusCode());
        assertTrue(invalid.body().contains("invalid_json"), "the page can read why: " + invalid.body());
        assertAllowed(invalid);
        HttpResponse<String> noKey = bundle.send(bundle.request("/v1/t").header("Origin", PAGE).header("Content-Type", "text/plain")
                .POST(BodyPublishers.ofString("{\"userId\":\"u\",\"event\":\"E\"}")).build());
        assertEquals(401, noKey.statusCode());
        assertAllowed(noKey);
        HttpResponse<String> xml = bundle.send(bundle.request("/v1/t").header("Origin", PAGE).header("Content-Type", "multipart/form-data; boundary=x")
                .header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY)).POST(BodyPublishers.ofString("--x--")).build());
        assertEquals(415, xml.statusCode());
        assertAllowed(xml);
        HttpResponse<String> tooLarge = postFrom(PAGE, "/v1/b", "{\"batch\":[],\"pad\":\"" + "p".repeat(520_000) + "\"}");
        assertEquals(413, tooLarge.statusCode());
        assertAllowed(tooLarge);
        HttpResponse<String> unknown = postFrom(PAGE, "/v1/nothing", "{}");
        assertEquals(404, unknown.statusCode());
        assertAllowed(unknown);
        HttpResponse<String> get = bundle.send(bundle.request("/v1/t").header("Origin", PAGE).GET().build());
        assertEquals(405, get.statusCode());
        assertAllowed(get);
    }

    @Test
    void anotherPageOrAServerGetsItsAnswerWithoutCorsHeaders() {
        HttpResponse<String> other = postFrom(OTHER_PAGE, "/v1/t", "{\"userId\":\"cors-other\",\"event\":\"E\",\"context\":{\"groupId\":\"g\"}}");
        assertEquals(200, other.statusCode(), "taken (a browser keeps the answer from the page, as CORS says)");
        assertEquals(List.of(), corsHeaders(other.headers()));
        assertEquals(List.of(), corsHeaders(postFrom(OTHER_PAGE, "/v1/t", "{").headers()));
        HttpResponse<String> server = bundle.post("/v1/t", "{\"userId\":\"cors-server\",\"event\":\"E\",\"context\":{\"groupId\":\"g\"}}");
        assertEquals(200, server.statusCode());
        assertEquals(List.of(), corsHeaders(server.headers()));
        assertFalse(server.headers().firstValue("Vary").isPresent(), "no Origin, nothing that varies with it");
    }

    @Test
    void theAdminApiStaysSameOrigin() {
        HttpResponse<String> list = bundle.send(bundle.request("/admin/dead-letter").header("Origin", PAGE)
                .header("Authorization", "Bearer admin-secret").GET().build());
        assertEquals(200, list.statusCode(), list.body());
        assertEquals(List.of(), corsHeaders(list.headers()));
        assertFalse(list.headers().firstValue("Vary").isPresent());
        HttpResponse<String> refused = bundle.send(bundle.request("/admin/dead-letter").header("Origin", PAGE)
                .header("Authorization", "Bearer wrong").GET().build());
        assertEquals(401, refused.statusCode());
        assertEquals(List.of(), corsHeaders(refused.headers()));
        HttpResponse<String> preflight = bundle.send(bundle.request("/admin/dead-letter").header("Origin", PAGE)
                .header("Access-Control-Request-Method", "GET").method("OPTIONS", BodyPublishers.noBody()).build());
        assertTrue(preflight.statusCode() >= 400, "no preflight answered on the admin API: " + preflight.statusCode());
        assertEquals(List.of(), corsHeaders(preflight.headers()));
    }

    private static void assertAllowed(HttpResponse<String> answer) {
        assertEquals(PAGE, answer.headers().firstValue("Access-Control-Allow-Origin").orElse(null),
                answer.statusCode() + " " + answer.body() + " " + answer.headers().map());
        assertEquals("Origin", answer.headers().firstValue("Vary").orElse(null));
        assertFalse(answer.headers().firstValue("Access-Control-Allow-Credentials").isPresent());
    }
}
