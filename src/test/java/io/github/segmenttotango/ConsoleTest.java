package io.github.segmenttotango;

import io.github.segmenttotango.support.HeadlessChromium;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator's console (GET /console) in a real headless Chromium against the running bundle: the
 * token typed once, the overview's figures, a dead letter Totango refused listed with its reason and
 * answer, then replayed once Totango takes it; a hostile dead letter shown as text; parked events;
 * the preview's calls. Saves a screenshot of each screen into target/console-screenshots/ (into docs/console/,
 * the documentation's, with {@code -Dconsole.screenshots=docs/console}). Skipped without chromium and
 * chromedriver.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("process")
class ConsoleTest {

    private static final String TOKEN = "console-admin-token";
    /** A test run does not rewrite the documentation's pictures unless asked to. */
    private static final Path SCREENSHOTS = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
    /** An invalid event (a group call without groupId) whose values try to become markup. */
    private static final String HOSTILE = "{\"type\":\"group\",\"userId\":\"console-bad\",\"messageId\":\"console-bad-1\","
            + "\"traits\":{\"name\":\"<img src=x onerror=\\\"window.pwned=1\\\">\"}}";

    private static TotangoStandIn totango;
    private static RunningBundle bundle;
    private static HeadlessChromium chromium;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(HeadlessChromium.installed(), HeadlessChromium.missing());
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("bridge.admin-token", TOKEN));
        Files.createDirectories(SCREENSHOTS);
        // what the screens show: a call Totango refuses for good, a hostile invalid event, a parked event,
        // and a delivered call for the latency
        RunningBundle.accepted(bundle.post("/v1/track", "{\"userId\":\"console-ok\",\"event\":\"Opened Report\","
                + "\"messageId\":\"console-ok-1\",\"context\":{\"groupId\":\"acme\"}}"));
        totango.awaitUser("console-ok", 1);
        totango.answerNext(400);
        RunningBundle.accepted(bundle.post("/v1/track", "{\"userId\":\"console-u\",\"event\":\"Exported Report\","
                + "\"messageId\":\"console-1\",\"context\":{\"groupId\":\"acme\"}}"));
        bundle.awaitDeadLetter("totango_4xx", "console-1");
        assertEquals(400, bundle.post("/v1/batch", "{\"batch\":[" + HOSTILE + "]}").statusCode(), "refused, and kept");
        bundle.awaitDeadLetter("invalid_event", "console-bad-1");
        RunningBundle.accepted(bundle.post("/v1/identify", "{\"userId\":\"console-waiting\",\"messageId\":\"console-parked-1\","
                + "\"traits\":{\"name\":\"Wendy\"}}"));
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
    }

    @Test
    @Order(1)
    void thePageIsServedWithAPolicyThatForbidsInlineAndForeignScripts() {
        HttpResponse<String> page = bundle.send(bundle.request("/console").GET().build());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(policy.contains("script-src 'self'") && policy.contains("default-src 'none'")
                && policy.contains("connect-src 'self'") && !policy.contains("unsafe"), policy);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertFalse(page.body().matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "no inline script");
        assertFalse(page.body().contains("style=\""), "no inline style");
        HttpResponse<String> script = bundle.send(bundle.request("/console/console.js").GET().build());
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
        assertFalse(script.body().contains(".innerHTML") || script.body().contains("insertAdjacentHTML")
                || script.body().contains("outerHTML") || script.body().contains("document.write"), "values are text, never markup");
        HttpResponse<String> missing = bundle.send(bundle.request("/console/../config/application.properties").GET().build());
        assertTrue(missing.statusCode() == 404 || missing.statusCode() == 400, missing.statusCode() + " " + missing.body());
        HttpResponse<String> unknown = bundle.send(bundle.request("/console/secrets.txt").GET().build());
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("\"code\":\"not_found\""), unknown.body());
        assertEquals(404, bundle.send(bundle.request("/consoles").GET().build()).statusCode());
        HttpResponse<String> slash = bundle.send(bundle.request("/console/").GET().build());
        assertEquals(308, slash.statusCode());
        assertEquals(java.net.URI.create(bundle.baseUrl() + "/console"),
                java.net.URI.create(bundle.baseUrl() + "/console/").resolve(slash.headers().firstValue("Location").orElseThrow()));
        assertEquals(405, bundle.send(bundle.request("/console").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x"))
                .build()).statusCode());
    }

    @Test
    @Order(2)
    void theTokenIsAskedOnceAndTheOverviewShowsTheFigures() throws Exception {
        browser.get(bundle.baseUrl() + "/console");
        browser.executeScript("sessionStorage.clear();");
        browser.navigate().refresh();
        await("the token form", () -> browser.findElement(By.id("token")).isDisplayed());
        browser.findElement(By.id("token")).sendKeys("wrong-token");
        browser.findElement(By.id("token-submit")).click();
        await("a refusal", () -> browser.findElement(By.id("notice")).getText().contains("refused"));
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-submit")).click();
        await("the overview", () -> browser.findElement(By.id("screen-overview")).isDisplayed());
        assertEquals(TOKEN, browser.executeScript("return sessionStorage.getItem('segment-totango.admin-token');"));
        assertNull(browser.executeScript("return localStorage.getItem('segment-totango.admin-token');"), "the tab's session only");

        // totals at once; rates once a second reading came (it refreshes by itself)
        await("the received total", () -> number("m-received") >= 3);
        assertTrue(number("m-accepted") >= 3, text("m-accepted"));
        assertTrue(number("m-rejected") >= 1, text("m-rejected"));
        assertTrue(number("m-delivered") >= 1, text("m-delivered"));
        assertTrue(text("m-latency-mean").matches("\\d+ ms|[\\d.]+ s"), text("m-latency-mean"));
        assertTrue(number("m-parked") >= 1, text("m-parked"));
        await("the rates of a second reading", () -> text("m-received-rate").matches("[\\d,]+"));
        for (int i = 1; i <= 3; i++) {
            RunningBundle.accepted(bundle.post("/v1/track", "{\"userId\":\"console-ok\",\"event\":\"Viewed Chart " + i + "\","
                    + "\"context\":{\"groupId\":\"acme\"}}"));
        }
        totango.awaitUser("console-ok", 4);
        await("the rates of the events sent meanwhile", () -> number("m-received-rate") >= 3 && number("m-delivered-rate") >= 3);
        assertTrue(text("m-latency-window").equals("(last minute)"), text("m-latency-window"));
        assertTrue(text("m-backlog").matches("\\d+"), text("m-backlog"));
        assertTrue(text("m-in-flight-limit").matches("—|[\\d,]+"), "the limit, or a dash while the bundle has no such gauge");
        await("dead letters by reason", () -> reasonRow("totango_4xx").contains("totango_4xx 1 1"));
        assertTrue(reasonRow("invalid_event").startsWith("invalid_event 1"), reasonRow("invalid_event"));
        screenshot("overview");
    }

    @Test
    @Order(3)
    void aDeadLetterIsListedWithItsReasonAndReplayedToTotango() throws Exception {
        browser.findElement(By.id("nav-dead-letters")).click();
        WebElement refused = await("the refused call", () -> row("console-1"));
        assertTrue(refused.getText().contains("totango_4xx"), refused.getText());
        assertTrue(refused.getText().contains("400"), "Totango's status: " + refused.getText());
        refused.findElement(By.xpath(".//button[text()='Show']")).click();
        WebElement details = refused.findElement(By.xpath("following-sibling::tr[1]"));
        await("the details", details::isDisplayed);
        assertTrue(details.getText().contains("Totango answer") && details.getText().contains("status 400"), details.getText());
        assertTrue(details.getText().contains("\"sdr_a\" : \"Exported Report\"") || details.getText().contains("\"sdr_a\": \"Exported Report\""),
                "the call as formatted JSON: " + details.getText());

        // the hostile event is shown as the text it is, and nothing of it ran
        WebElement hostile = row("console-bad-1");
        hostile.findElement(By.xpath(".//button[text()='Show']")).click();
        WebElement hostileDetails = hostile.findElement(By.xpath("following-sibling::tr[1]"));
        await("the hostile details", hostileDetails::isDisplayed);
        assertTrue(hostileDetails.getText().contains("<img src=x onerror="), hostileDetails.getText());
        assertTrue(browser.findElements(By.cssSelector("#dl-table img")).isEmpty(), "no markup from data");
        assertNull(browser.executeScript("return window.pwned;"));
        screenshot("dead-letters");

        refused.findElement(By.xpath(".//button[text()='Replay']")).click();
        await("the confirmation", () -> browser.findElement(By.id("confirm")).isDisplayed());
        assertEquals("Replay this dead letter?", text("confirm-text"));
        browser.findElement(By.id("confirm-ok")).click();
        await("the replay's answer", () -> text("notice").contains("Replayed 1"));
        List<Received> calls = totango.awaitUser("console-u", 2);
        assertEquals(400, calls.get(0).status());
        assertEquals(200, calls.get(1).status(), "the stand-in took the replayed call");
        assertEquals("Exported Report", calls.get(1).param("sdr_a"));
        await("the list without it", () -> browser.findElements(By.cssSelector("tr.letter[data-id]")).stream()
                .noneMatch(r -> r.getText().contains("console-1")));
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> "console-1".equals(l.path("messageId").asText())));
    }

    @Test
    @Order(4)
    void allOfAReasonIsDeletedAfterAConfirmationThatSaysHowMany() {
        assertEquals(400, bundle.post("/v1/batch", "{\"batch\":[{\"type\":\"group\",\"userId\":\"console-bad\",\"messageId\":\"console-bad-2\"}]}")
                .statusCode());
        bundle.awaitDeadLetter("invalid_event", "console-bad-2");
        browser.findElement(By.id("nav-dead-letters")).click();
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("dl-reason"))).selectByValue("invalid_event");
        browser.findElement(By.id("dl-show")).click();
        await("both invalid events", () -> browser.findElements(By.cssSelector("tr.letter")).size() == 2);
        browser.findElement(By.id("dl-select-all")).click();
        assertEquals("Delete selected (2)", text("dl-delete-selected"));
        browser.findElement(By.id("dl-delete-selected")).click();
        await("the confirmation", () -> browser.findElement(By.id("confirm")).isDisplayed());
        assertEquals("Delete 2 dead letters (the selected ones)?", text("confirm-text"));
        browser.findElement(By.id("confirm-cancel")).click();
        browser.findElement(By.id("dl-delete-reason")).click();
        await("the confirmation", () -> browser.findElement(By.id("confirm")).isDisplayed());
        assertEquals("Delete 2 dead letters (every invalid_event, whatever its date)?", text("confirm-text"));
        browser.findElement(By.id("confirm-cancel")).click();
        assertEquals(2, browser.findElements(By.cssSelector("tr.letter")).size(), "cancelled: nothing deleted");
        browser.findElement(By.id("dl-delete-reason")).click();
        await("the confirmation", () -> browser.findElement(By.id("confirm")).isDisplayed());
        browser.findElement(By.id("confirm-ok")).click();
        await("the deletion's answer", () -> text("notice").contains("Deleted 2"));
        await("an empty list", () -> text("dl-summary").equals("No dead letters match."));
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> "invalid_event".equals(l.path("reason").asText())));
    }

    @Test
    @Order(5)
    void parkedEventsSayWhoWaitsForWhichGroupCallSinceWhen() throws Exception {
        browser.findElement(By.id("nav-parked")).click();
        WebElement parked = await("the parked identify", () -> browser.findElements(By.cssSelector("#parked-table tr.parked")).stream()
                .filter(r -> r.getText().contains("console-parked-1")).findFirst().orElse(null));
        assertTrue(parked.getText().contains("userId console-waiting"), parked.getText());
        assertTrue(parked.getText().contains("a group call of console-waiting"), parked.getText());
        assertTrue(parked.getText().matches("(?s)\\d{4}-\\d\\d-\\d\\dT.*ago.*"), "since when: " + parked.getText());
        screenshot("parked");
    }

    @Test
    @Order(6)
    void thePreviewShowsTheCallsAnEventWouldMake() throws Exception {
        browser.findElement(By.id("nav-preview")).click();
        WebElement key = browser.findElement(By.id("preview-write-key"));
        key.clear();
        key.sendKeys(RunningBundle.WRITE_KEY);
        WebElement input = browser.findElement(By.id("preview-input"));
        input.clear();
        input.sendKeys("{\"batch\":[{\"type\":\"group\",\"userId\":\"preview-u\",\"groupId\":\"initech\",\"traits\":{\"name\":\"Initech\"}},"
                + "{\"type\":\"track\",\"userId\":\"preview-u\",\"event\":\"Clicked Export\",\"properties\":{\"category\":\"Reports\"}}]}");
        browser.findElement(By.id("preview-submit")).click();
        await("the calls", () -> browser.findElements(By.cssSelector("#preview-result .call")).size() == 2);
        assertEquals("2 Totango call(s); 0 event(s) not sent", text("preview-summary"));
        String track = browser.findElements(By.cssSelector("#preview-result .call")).get(1).getText();
        assertTrue(track.contains("sdr_a Clicked Export") && track.contains("sdr_o initech") && track.contains("sdr_m Reports"), track);
        assertTrue(totango.forUser("preview-u").isEmpty(), "a preview sends nothing");
        screenshot("preview");
        List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage)
                .filter(m -> !m.contains("401")).toList();
        assertEquals(List.of(), problems, "no script error and no policy violation in the page (but the wrong token's 401)");
    }

    private static WebElement row(String messageId) {
        return browser.findElements(By.cssSelector("#dl-table tr.letter")).stream()
                .filter(r -> r.getText().contains(messageId)).findFirst().orElse(null);
    }

    private static String reasonRow(String reason) {
        List<WebElement> rows = browser.findElements(By.cssSelector("#dead-letters-by-reason tr[data-reason='" + reason + "']"));
        return rows.isEmpty() ? "" : rows.get(0).getText();
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static long number(String id) {
        return Long.parseLong(text(id).replace(",", ""));
    }

    /** Waits (up to 20 s: the overview refreshes every 5 s) until the condition holds or gives a value. */
    private static <T> T await(String what, java.util.function.Supplier<T> condition) {
        try {
            return new WebDriverWait(browser, Duration.ofSeconds(20)).ignoring(RuntimeException.class).withMessage(what)
                    .until(driver -> {
                        T value = condition.get();
                        return Boolean.FALSE.equals(value) ? null : value;
                    });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("Waited in vain for " + what + "; the page says: " + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    private static void screenshot(String screen) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(screen + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }
}
