package io.github.segmenttotango;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.DroppedFiles;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import static io.github.segmenttotango.support.DroppedFiles.awaitFile;
import static io.github.segmenttotango.support.DroppedFiles.track;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile files and hostile surroundings in the inbox of a running bundle (issue 29, items 3 and 13). */
class FileDropHostileInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger ROOT_LOG = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private static final ListAppender<ILoggingEvent> LOGGED = new ListAppender<>();
    private static TotangoStandIn totango;
    private static RunningBundle bundle;
    private static Path inbox;

    /** The inbox's own lines (INFO: reading, empty, done), which the tests' logging leaves out. */
    private static final List<Logger> INBOX_LOGS = List.of((Logger) LoggerFactory.getLogger("receive-dropped-files"),
            (Logger) LoggerFactory.getLogger("io.github.segmenttotango.inbox.InboxFileReader"));

    @BeforeAll
    static void start() throws Exception {
        INBOX_LOGS.forEach(log -> log.setLevel(Level.INFO));
        LOGGED.start();
        ROOT_LOG.addAppender(LOGGED);
        totango = new TotangoStandIn();
        // 1 s: a young file (with a cut end, or empty) waits 5 s
        bundle = RunningBundle.start(totango, Map.of("inbox.settle-time", "1s"));
        inbox = bundle.dataDir().resolve("inbox");
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
        ROOT_LOG.detachAppender(LOGGED);
        INBOX_LOGS.forEach(log -> log.setLevel(null));
    }

    private static void drop(String name, String content) throws IOException {
        DroppedFiles.drop(bundle, name, content);
    }

    private static Path today(String folder) {
        return DroppedFiles.today(bundle, folder);
    }

    private static List<String> deadLetterDetails(String file, int count) {
        return Wait.atMost(Duration.ofSeconds(15)).alias(count + " dead letters of " + file)
                .until(() -> bundle.deadLetters().stream().filter(l -> l.path("source").asText().equals("inbox:" + file))
                        .map(l -> l.path("detail").asText()).sorted().toList(), details -> details.size() >= count);
    }

    private static List<String> logged(String containing) {
        return logged(Level.TRACE, containing);
    }

    private static List<String> logged(Level atLeast, String containing) {
        synchronized (LOGGED) {
            return new ArrayList<>(LOGGED.list).stream().filter(e -> e.getLevel().isGreaterOrEqual(atLeast))
                    .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(containing)).toList();
        }
    }

    // ---------------------------------------------------------------- item 3: one bad event, not the file

    private static final String FAR_DATE = "{\"type\":\"track\",\"userId\":\"%s\",\"event\":\"Far\",\"timestamp\":\"+999999999-01-01T00:00:00Z\"}";
    private static final String HUGE_NUMBER = "{\"type\":\"track\",\"userId\":\"%s\",\"event\":\"Huge\",\"properties\":{\"n\":1E+2147483648}}";
    private static final String TOO_DEEP = "{\"type\":\"track\",\"userId\":\"%s\",\"event\":\"Deep\",\"properties\":"
            + "{\"a\":[".repeat(40) + "1" + "]}".repeat(40) + "}";

    /** 110 good events first: the bad ones come after the first chunk of 100, as in the report. */
    private static List<String> goodEvents(String user) {
        List<String> events = new ArrayList<>();
        for (int i = 1; i <= 110; i++) {
            events.add(track(user, "G" + i));
        }
        return events;
    }

    @Test
    void badEventsOfAnNdjsonFileAreItsDeadLettersAndTheFileGoesOn() throws Exception {
        List<String> lines = goodEvents("bad-nd-u");
        lines.addAll(List.of(FAR_DATE.formatted("bad-nd-u"), HUGE_NUMBER.formatted("bad-nd-u"), TOO_DEEP.formatted("bad-nd-u"),
                track("bad-nd-u", "After")));
        drop("bad-events.ndjson", String.join("\n", lines) + "\n");
        totango.await(r -> "After".equals(r.param("sdr_a")), 1);
        assertEquals(111, totango.awaitUser("bad-nd-u", 111).size());
        assertEquals(List.of("line 111: timestamp is out of range (years 0001 to 9999)",
                "line 112: cannot be read: a number is out of range",
                "line 113: cannot be read: Document nesting depth (33) exceeds the maximum allowed (32)"),
                deadLetterDetails("bad-events.ndjson", 3));
        awaitFile(today("done").resolve("bad-events.ndjson"));
        assertFalse(Files.exists(today("error").resolve("bad-events.ndjson")));
    }

    @Test
    void badEventsOfAJsonArrayOrBatchAreItsDeadLettersAndTheFileGoesOn() throws Exception {
        for (String kind : List.of("array", "batch")) {
            String user = "bad-" + kind + "-u";
            List<String> events = goodEvents(user);
            events.addAll(List.of(FAR_DATE.formatted(user), HUGE_NUMBER.formatted(user), TOO_DEEP.formatted(user), track(user, "After")));
            String array = "[" + String.join(",", events) + "]";
            String name = "bad-events-" + kind + ".json";
            drop(name, kind.equals("array") ? array : "{\"batch\":" + array + ",\"context\":{\"groupId\":\"g\"}}");
            totango.await(r -> user.equals(r.param("sdr_u")) && "After".equals(r.param("sdr_a")), 1);
            assertEquals(111, totango.awaitUser(user, 111).size());
            assertEquals(List.of("event 111: timestamp is out of range (years 0001 to 9999)",
                    "event 112: cannot be read: a number is out of range",
                    "event 113: cannot be read: Document nesting depth (33) exceeds the maximum allowed (32)"),
                    deadLetterDetails(name, 3));
            awaitFile(today("done").resolve(name));
        }
    }

    // ---------------------------------------------------------------- item 13: hostile surroundings

    @Test
    void emptyFilesDoNotHoldBackANewFileAndGoToDone() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.createFile(inbox.resolve("empty-" + i + (i % 2 == 0 ? ".ndjson" : ".json")));
        }
        long dropped = System.nanoTime();
        drop("after-empties.ndjson", track("empty-u", "Next") + "\n");
        totango.awaitUser("empty-u", 1);
        long millis = (System.nanoTime() - dropped) / 1_000_000;
        assertTrue(millis < 6_000, "the new file waited " + millis + " ms");
        for (int i = 0; i < 20; i++) {
            awaitFile(today("done").resolve("empty-" + i + (i % 2 == 0 ? ".ndjson" : ".json")));
        }
        assertFalse(logged("empty (0 bytes), no events").isEmpty());
    }

    @Test
    void aNameNearTheFileSystemLimitIsReadOnceAndRefusedCleanly() throws Exception {
        String good = "g".repeat(245) + ".ndjson";
        String bad = "b".repeat(247) + ".json";
        assertEquals(252, good.length());
        int before;
        synchronized (LOGGED) {
            before = LOGGED.list.size();
        }
        drop(good, track("long-name-u", "Long") + "\n");
        drop(bad, "these are not events");
        totango.awaitUser("long-name-u", 1);
        awaitFile(today("done").resolve(good));
        Path errors = today("error");
        awaitFile(errors.resolve(bad));
        Path sidecar;
        try (var files = Files.list(errors)) {
            sidecar = files.filter(f -> f.getFileName().toString().startsWith("bbbb") && f.getFileName().toString().endsWith(".error.json"))
                    .findFirst().orElseThrow(() -> new AssertionError("no sidecar for the long name"));
        }
        assertTrue(sidecar.getFileName().toString().getBytes(StandardCharsets.UTF_8).length <= 255);
        JsonNode report = JSON.readTree(sidecar.toFile());
        assertEquals(bad, report.path("file").asText(), "the sidecar names the file in full");
        bundle.awaitIdle();
        assertEquals(1, totango.forUser("long-name-u").size());
        synchronized (LOGGED) {
            List<String> traces = LOGGED.list.subList(before, LOGGED.list.size()).stream().filter(e -> e.getThrowableProxy() != null)
                    .map(e -> e.getFormattedMessage() + ": " + e.getThrowableProxy().getMessage()).toList();
            assertEquals(List.of(), traces, "no stack trace (Camel's <name>.camelLock marker did not fit)");
        }
        assertEquals(1, logged("Inbox file " + good + ": reading").size(), "read once");
    }

    @Test
    void aHardLinkToAFileOutsideTheInboxIsRefused() throws Exception {
        Path outside = Files.createDirectories(bundle.dataDir().resolve("elsewhere")).resolve("secret.ndjson");
        Files.writeString(outside, track("hardlink-u", "Leaked") + "\n{\"not\":\"an event\"}\n");
        Files.createLink(inbox.resolve("hardlink.ndjson"), outside);
        awaitFile(today("error").resolve("hardlink.ndjson.error.json"));
        String reason = JSON.readTree(today("error").resolve("hardlink.ndjson.error.json").toFile()).path("reason").asText();
        assertEquals("the file has 2 hard links: a file linked from elsewhere is not read", reason);
        drop("after-hardlink.ndjson", track("hardlink-marker-u", "Marker") + "\n");
        totango.awaitUser("hardlink-marker-u", 1);
        assertTrue(totango.forUser("hardlink-u").isEmpty());
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> l.path("source").asText().equals("inbox:hardlink.ndjson")));
        assertEquals(track("hardlink-u", "Leaked") + "\n{\"not\":\"an event\"}\n", Files.readString(outside), "the target is untouched");
        assertTrue(logged("Inbox file hardlink.ndjson: done").isEmpty(), "never said done: " + logged("hardlink.ndjson"));
    }

    @Test
    void aFileTruncatedWhileItIsReadIsAWarning() throws Exception {
        int events = 30_000;
        StringBuilder content = new StringBuilder();
        long cut = 0;
        for (int i = 0; i < events; i++) {
            content.append(track("truncated-u", "T" + i)).append('\n');
            if (i == events / 3) {
                cut = content.toString().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        drop("truncated.ndjson", content.toString());
        totango.awaitUser("truncated-u", 1);
        try (FileChannel file = FileChannel.open(inbox.resolve("truncated.ndjson"), StandardOpenOption.WRITE)) {
            file.truncate(cut);
        }
        Wait.atMost(Duration.ofSeconds(60)).until(() -> !logged(Level.WARN, "was truncated while it was read").isEmpty());
        List<String> warnings = logged(Level.WARN, "was truncated while it was read");
        assertEquals(1, warnings.size(), "one warning: " + warnings);
        assertTrue(warnings.get(0).startsWith("Inbox file truncated.ndjson was truncated while it was read ("), warnings.get(0));
        awaitFile(today("done").resolve("truncated.ndjson"));
        int kept = events / 3 + 1;
        totango.await(r -> "truncated-u".equals(r.param("sdr_u")), kept, Duration.ofSeconds(60));
        bundle.awaitIdle();
        assertEquals(kept, totango.forUser("truncated-u").size(), "what the file kept, once");
    }
}
