package io.github.segmenttotango.inbox;

import io.github.segmenttotango.ingest.IngestLimits;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading dropped files, without Camel. */
class InboxFileReaderTest {

    @TempDir
    Path inbox;

    private List<InboxEvent> read(String name, String content) throws Exception {
        Path file = inbox.resolve(name);
        Files.writeString(file, content);
        return readAll(reader(false), file);
    }

    private InboxFileReader reader(boolean doneMarker) {
        return new InboxFileReader(inbox, IngestLimits.segmentDefaults(), Clock.systemUTC(), Duration.ofSeconds(2), doneMarker);
    }

    private static List<InboxEvent> readAll(InboxFileReader reader, Path file) throws Exception {
        Iterator<InboxEvent> events = reader.events(file.toFile());
        List<InboxEvent> all = new ArrayList<>();
        while (events.hasNext() && events.hasNext()) {
            all.add(events.next());
        }
        ((Closeable) events).close();
        return all;
    }

    private static String track(String event) {
        return "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"" + event + "\"}";
    }

    private static List<String> names(List<InboxEvent> events) {
        return events.stream().map(e -> e.valid() ? e.event().get("event").asText() : "refused: " + e.problem()).toList();
    }

    private static List<String> ids(List<InboxEvent> events) {
        return events.stream().map(e -> e.event().get("messageId").asText()).toList();
    }

    @Test
    void askingTwiceWhetherThereIsANextEventSkipsNothing() throws Exception {
        List<InboxEvent> events = read("a.json", "[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"B\"},{\"type\":\"track\",\"userId\":\"u\",\"event\":\"C\"}]");
        assertEquals(List.of("A", "B", "C"), events.stream().map(e -> e.event().get("event").asText()).toList());
        assertEquals(List.of(1L, 2L, 3L), events.stream().map(InboxEvent::position).toList());
    }

    @Test
    void derivedMessageIdsAreStableForTheSameFile() throws Exception {
        Path file = inbox.resolve("same.ndjson");
        Files.writeString(file, track("A") + "\n" + track("B") + "\n");
        InboxFileReader reader = reader(false);
        List<String> first = ids(readAll(reader, file));
        assertTrue(first.get(0).startsWith("file-") && first.get(0).endsWith("-1"), first.get(0));
        assertEquals(first, ids(readAll(reader(false), file)), "the same file read again (after a crash) gives the same ids");
        Files.writeString(file, track("A") + "\n" + track("B") + "\n" + track("C") + "\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_001_000L));
        List<String> grown = ids(readAll(reader(false), file));
        assertEquals(first, grown.subList(0, 2), "a file that grew keeps the ids of what it held");
        Files.writeString(file, track("Other") + "\n");
        assertNotEquals(first.get(0), ids(readAll(reader(false), file)).get(0), "another event at the same place is new");
    }

    @Test
    void aCutLastLineInAYoungFileIsNotWrittenYetAndTheFileIsReadOnFromThere() throws Exception {
        Path file = inbox.resolve("growing.ndjson");
        String third = track("C");
        Files.writeString(file, track("A") + "\n" + track("B") + "\n" + third.substring(0, 20));
        InboxFileReader reader = reader(false);
        List<InboxEvent> firstHalf = readAll(reader, file);
        assertEquals(List.of("A", "B"), names(firstHalf), "the cut line is not refused: it is not written yet");
        InboxFileNotSettled notYet = assertThrows(InboxFileNotSettled.class, () -> reader.settled(file.toFile()));
        assertTrue(notYet.getMessage().contains("still being written"), notYet.getMessage());

        Files.writeString(file, third.substring(20) + "\n" + track("D") + "\n", StandardOpenOption.APPEND);
        List<InboxEvent> rest = readAll(reader, file);
        assertEquals(List.of("C", "D"), names(rest), "read on from the first event not handed over");
        assertEquals(List.of(3L, 4L), rest.stream().map(InboxEvent::position).toList());
        reader.settled(file.toFile());
        assertEquals(ids(firstHalf).subList(0, 2), ids(readAll(reader(false), file)).subList(0, 2),
                "read whole from its start (after a restart), the same ids");
    }

    @Test
    void anotherFileCopiedOverOneLeftInTheInboxIsReadFromItsStart() throws Exception {
        Path file = inbox.resolve("replaced.ndjson");
        Files.writeString(file, track("A") + "\n" + track("B") + "\n{\"type\":");
        InboxFileReader reader = reader(false);
        assertEquals(List.of("A", "B"), names(readAll(reader, file)));
        assertThrows(InboxFileNotSettled.class, () -> reader.settled(file.toFile()));
        Files.writeString(file, track("X") + "\n" + track("Y") + "\n" + track("Z") + "\n");
        assertEquals(List.of("X", "Y", "Z"), names(readAll(reader, file)), "same name, same inode, another content");
    }

    @Test
    void aFileThatChangedAfterItWasReadIsNotLetGo() throws Exception {
        Path file = inbox.resolve("changed.ndjson");
        Files.writeString(file, track("A") + "\n");
        InboxFileReader reader = reader(false);
        assertEquals(List.of("A"), names(readAll(reader, file)));
        Files.writeString(file, track("B") + "\n", StandardOpenOption.APPEND);
        assertThrows(InboxFileNotSettled.class, () -> reader.settled(file.toFile()));
        assertEquals(List.of("B"), names(readAll(reader, file)));
        reader.settled(file.toFile());
    }

    @Test
    void aCutEndIsABadLineInAnOldFileOrWithADoneMarker() throws Exception {
        Path file = inbox.resolve("old.ndjson");
        Files.writeString(file, track("A") + "\n{\"type\":\"tr");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        InboxFileReader reader = reader(false);
        List<InboxEvent> events = readAll(reader, file);
        assertEquals("A", names(events).get(0));
        assertTrue(events.get(1).problem().startsWith("line 2: not valid JSON"), events.get(1).problem());
        reader.settled(file.toFile());

        Path marked = inbox.resolve("marked.ndjson");
        Files.writeString(marked, track("A") + "\n{\"type\":\"tr");
        InboxFileReader markers = reader(true);
        assertTrue(readAll(markers, marked).get(1).problem().startsWith("line 2: not valid JSON"), "the marker says it is complete");
        markers.settled(marked.toFile());
    }

    @Test
    void aCutJsonOrGzipInAYoungFileIsNotWrittenYet() throws Exception {
        InboxFileReader reader = reader(false);
        Path json = inbox.resolve("cut.json");
        Files.writeString(json, "[" + track("A") + "," + track("B").substring(0, 15));
        assertEquals(List.of("A"), names(readAll(reader, json)));
        assertThrows(InboxFileNotSettled.class, () -> reader.settled(json.toFile()));
        Files.writeString(json, "[" + track("A") + "," + track("B") + "]");
        assertEquals(List.of("B"), names(readAll(reader, json)));
        reader.settled(json.toFile());

        Path gzip = inbox.resolve("cut.ndjson.gz");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write((track("A") + "\n" + track("B") + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        byte[] whole = bytes.toByteArray();
        Files.write(gzip, java.util.Arrays.copyOf(whole, whole.length - 10));
        readAll(reader, gzip);
        assertThrows(InboxFileNotSettled.class, () -> reader.settled(gzip.toFile()));
        Files.write(gzip, whole);
        readAll(reader, gzip);
        reader.settled(gzip.toFile());
    }

    @Test
    void anOverlongLineIsRefusedAloneAndTheNextLineIsRead() throws Exception {
        String huge = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"" + "x".repeat(40_000) + "\"}";
        List<InboxEvent> events = read("long.ndjson", huge + "\n{\"type\":\"track\",\"userId\":\"u\",\"event\":\"After\"}\n");
        assertEquals("line 1: the event is larger than 32768 bytes", events.get(0).problem());
        assertNull(events.get(1).problem());
        assertEquals(2, events.get(1).position());
    }

    @Test
    void aFileOfAnotherKindIsRefusedWhole() {
        assertThrows(InboxFileException.class, () -> read("x.json", "42"));
        assertThrows(InboxFileException.class, () -> read("y.json", "{\"batch\":[{\"type\":\"track\"} oops"));
    }

    // ---------------------------------------------------------------- one bad event, not the file (issue 29, item 3)

    private static final String FAR_DATE = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"Far\",\"timestamp\":\"+999999999-01-01T00:00:00Z\"}";
    private static final String HUGE_NUMBER = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"Huge\",\"properties\":{\"n\":1E+2147483648,\"after\":[1,{\"x\":2}]}}";
    private static final String LONG_NUMBER = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"Long\",\"properties\":{\"n\":" + "9".repeat(150) + "}}";
    private static final String TOO_DEEP = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"Deep\",\"properties\":"
            + "{\"a\":[".repeat(40) + "1" + "]}".repeat(40) + "}";

    private static List<String> problems(List<InboxEvent> events) {
        return events.stream().filter(e -> !e.valid()).map(InboxEvent::problem).toList();
    }

    @Test
    void anEventThatCannotBeReadIsRefusedAloneOnEachLine() throws Exception {
        List<InboxEvent> events = read("bad.ndjson", String.join("\n", track("A"), FAR_DATE, HUGE_NUMBER, LONG_NUMBER, TOO_DEEP, track("B")) + "\n");
        assertEquals(List.of("A", "B"), events.stream().filter(InboxEvent::valid).map(e -> e.event().get("event").asText()).toList());
        assertEquals(List.of("line 2: timestamp is out of range (years 0001 to 9999)", "line 3: cannot be read: a number is out of range",
                "line 4: cannot be read: Number value length (150) exceeds the maximum allowed (100)",
                "line 5: cannot be read: Document nesting depth (33) exceeds the maximum allowed (32)"),
                problems(events));
        assertTrue(problems(events).stream().noneMatch(p -> p.contains("StreamReadConstraints")), problems(events).toString());
    }

    @Test
    void anEventThatCannotBeReadIsRefusedAloneInAnArrayAndInABatch() throws Exception {
        String events = String.join(",", track("A"), FAR_DATE, HUGE_NUMBER, LONG_NUMBER, TOO_DEEP, track("B"));
        for (String content : List.of("[" + events + "]", "{\"batch\":[" + events + "],\"context\":{\"ip\":\"1.2.3.4\"}}")) {
            List<InboxEvent> read = read("bad.json", content);
            assertEquals(List.of("A", "B"), read.stream().filter(InboxEvent::valid).map(e -> e.event().get("event").asText()).toList(), content);
            assertEquals(List.of(1L, 6L), read.stream().filter(InboxEvent::valid).map(InboxEvent::position).toList());
            List<String> problems = problems(read);
            assertEquals(4, problems.size(), problems.toString());
            assertEquals("event 2: timestamp is out of range (years 0001 to 9999)", problems.get(0));
            assertEquals("event 3: cannot be read: a number is out of range", problems.get(1));
            assertEquals("event 4: cannot be read: Number value length (150) exceeds the maximum allowed (100)", problems.get(2));
            assertEquals("event 5: cannot be read: Document nesting depth (33) exceeds the maximum allowed (32)", problems.get(3));
        }
        assertEquals(List.of("refused: event 1: cannot be read: a number is out of range"), names(read("one.json", HUGE_NUMBER)));
    }

    @Test
    void anArrayThatCannotBeReadPastABadEventKeepsTheEventsBeforeIt() throws Exception {
        String tooLong = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"" + "x".repeat(600_000) + "\"}";
        Path file = inbox.resolve("long-string.json");
        Files.writeString(file, "[" + track("A") + "," + tooLong + "," + track("B") + "]");
        Iterator<InboxEvent> events = reader(false).events(file.toFile());
        assertEquals("A", events.next().event().get("event").asText());
        InboxEvent refused = events.next();
        assertTrue(refused.problem().startsWith("event 2: cannot be read: String value length"), refused.problem());
        InboxFileException failure = assertThrows(InboxFileException.class, events::hasNext);
        assertTrue(failure.getMessage().startsWith("cannot be read past event 2: String value length"), failure.getMessage());
        ((Closeable) events).close();
    }

    @Test
    void nestingPastWhatAFileMayHoldStopsTheFileAfterTheEventsBeforeIt() throws Exception {
        Path file = inbox.resolve("very-deep.json");
        Files.writeString(file, "[" + track("A") + "," + "[".repeat(600) + "]".repeat(600) + "," + track("B") + "]");
        Iterator<InboxEvent> events = reader(false).events(file.toFile());
        assertEquals("A", events.next().event().get("event").asText());
        assertEquals("event 2: cannot be read: Document nesting depth (501) exceeds the maximum allowed (500)", events.next().problem());
        InboxFileException failure = assertThrows(InboxFileException.class, events::hasNext);
        assertEquals("cannot be read past event 2: Document nesting depth (501) exceeds the maximum allowed (500)", failure.getMessage());
        ((Closeable) events).close();
    }
}
