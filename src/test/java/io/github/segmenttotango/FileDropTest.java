package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.DroppedFiles;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import static io.github.segmenttotango.support.DroppedFiles.awaitFile;
import static io.github.segmenttotango.support.DroppedFiles.awaitGone;
import static io.github.segmenttotango.support.DroppedFiles.track;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files dropped into the inbox of a running bundle: every format, slow copies, bad content, big files. */
class FileDropTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TotangoStandIn totango;
    private static RunningBundle bundle;
    private static Path inbox;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        // 1 s: a file with a cut end is taken as still being written for 5 s, longer than the 3 s pause below
        bundle = RunningBundle.start(totango, Map.of("inbox.settle-time", "1s"));
        inbox = bundle.dataDir().resolve("inbox");
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static void drop(String name, byte[] content) throws IOException {
        DroppedFiles.drop(bundle, name, content);
    }

    private static void drop(String name, String content) throws IOException {
        DroppedFiles.drop(bundle, name, content);
    }

    private static Path today(String folder) {
        return DroppedFiles.today(bundle, folder);
    }

    private static List<String> activities(String user, int count) {
        return totango.awaitUser(user, count).stream().map(c -> c.param("sdr_a")).toList();
    }

    @Test
    void everyFormatIsReadAndMovedToDone() throws Exception {
        drop("single.json", track("fmt-single", "One"));
        drop("array.json", "[" + track("fmt-array", "A1") + "," + track("fmt-array", "A2") + "]");
        drop("envelope.json", "{\"batch\":[{\"type\":\"track\",\"userId\":\"fmt-env\",\"event\":\"E1\"}],"
                + "\"context\":{\"groupId\":\"env-group\"},\"integrations\":{}}");
        drop("lines.ndjson", track("fmt-nd", "N1") + "\n" + track("fmt-nd", "N2") + "\n");
        drop("lines.jsonl", track("fmt-jsonl", "L1") + "\r\n" + track("fmt-jsonl", "L2"));
        drop("zipped.ndjson.gz", gzip(track("fmt-gz", "Z1") + "\n" + track("fmt-gz", "Z2") + "\n"));
        drop("zipped.json.gz", gzip("[" + track("fmt-jgz", "J1") + "]"));
        drop("IGNORED.txt", track("fmt-ignored", "Never"));

        assertEquals(List.of("One"), activities("fmt-single", 1));
        assertEquals(List.of("A1", "A2"), activities("fmt-array", 2));
        assertEquals("env-group", totango.awaitUser("fmt-env", 1).get(0).param("sdr_o"),
                "the envelope's context applies even though it comes after the batch");
        assertEquals(List.of("N1", "N2"), activities("fmt-nd", 2));
        assertEquals(List.of("L1", "L2"), activities("fmt-jsonl", 2));
        assertEquals(List.of("Z1", "Z2"), activities("fmt-gz", 2));
        assertEquals(List.of("J1"), activities("fmt-jgz", 1));
        for (String name : List.of("single.json", "array.json", "envelope.json", "lines.ndjson", "lines.jsonl", "zipped.ndjson.gz", "zipped.json.gz")) {
            awaitFile(today("done").resolve(name));
            assertFalse(Files.exists(inbox.resolve(name)), name + " left in the inbox");
        }
        assertTrue(Files.exists(inbox.resolve("IGNORED.txt")), "other files are left alone");
        assertTrue(totango.forUser("fmt-ignored").isEmpty());
    }

    @Test
    void aSlowCopyIsReadOnlyWhenComplete() throws Exception {
        Path file = inbox.resolve("slow.ndjson");
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            for (int i = 1; i <= 10; i++) {
                out.write((track("slow-u", "S" + i) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                TotangoStandIn.sleep(250);
            }
            // the last event is cut in two writes, the way cp writes blocks
            String last = track("slow-u", "S11");
            out.write(last.substring(0, 20).getBytes(StandardCharsets.UTF_8));
            out.flush();
            TotangoStandIn.sleep(300);
            out.write((last.substring(20) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(11, activities("slow-u", 11).size());
        awaitFile(today("done").resolve("slow.ndjson"));
        bundle.awaitIdle();
        assertEquals(11, totango.forUser("slow-u").size(), "read once, whole: " + totango.forUser("slow-u"));
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> l.path("source").asText().equals("inbox:slow.ndjson")),
                "no half-written line was read");
    }

    @Test
    void aCopyThatPausesLongerThanTheSettleTimeMidLineIsDeliveredWholeOnce() throws Exception {
        Path file = inbox.resolve("stalled.ndjson");
        String cut = track("stall-u", "S6");
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            StringBuilder firstHalf = new StringBuilder();
            for (int i = 1; i <= 5; i++) {
                firstHalf.append(track("stall-u", "S" + i)).append('\n');
            }
            out.write((firstHalf + cut.substring(0, 30)).getBytes(StandardCharsets.UTF_8));
            out.flush();
            long paused = System.nanoTime();
            // the copy stalls mid-line, longer than the settle time: the first half is read meanwhile
            assertEquals(List.of("S1", "S2", "S3", "S4", "S5"), activities("stall-u", 5));
            TotangoStandIn.sleep(Math.max(0, 3000 - (System.nanoTime() - paused) / 1_000_000));
            assertTrue(Files.exists(file), "a file still being written stays in the inbox");
            StringBuilder rest = new StringBuilder(cut.substring(30)).append('\n');
            for (int i = 7; i <= 10; i++) {
                rest.append(track("stall-u", "S" + i)).append('\n');
            }
            out.write(rest.toString().getBytes(StandardCharsets.UTF_8));
        }
        awaitFile(today("done").resolve("stalled.ndjson"));
        List<String> delivered = activities("stall-u", 10);
        drop("after-stall.ndjson", track("stall-u", "Marker") + "\n");
        totango.await(r -> "Marker".equals(r.param("sdr_a")), 1);
        assertEquals(List.of("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10"), delivered.subList(0, 10));
        assertEquals(11, totango.forUser("stall-u").size(), "each event once: " + totango.forUser("stall-u"));
        assertTrue(bundle.deadLetters().stream().noneMatch(l -> l.path("source").asText().equals("inbox:stalled.ndjson")),
                "the cut line is not a bad line: " + bundle.deadLetters());
    }

    @Test
    void aBadLineIsRefusedAloneWithItsLineNumber() throws Exception {
        drop("mixed.ndjson", track("bad-line-u", "First") + "\n{\"type\":\"track\",\"userId\":\"bad-line-u\",\"event\":\n"
                + "{\"type\":\"group\",\"userId\":\"bad-line-u\",\"messageId\":\"no-group-id\"}\n\n" + track("bad-line-u", "Last") + "\n");
        assertEquals(List.of("First", "Last"), activities("bad-line-u", 2));
        JsonNode noName = bundle.awaitDeadLetter("invalid_event", "no-group-id");
        assertEquals("line 3: the group event has no groupId", noName.path("detail").asText());
        assertEquals("inbox:mixed.ndjson", noName.path("source").asText());
        JsonNode notJson = bundle.deadLetters().stream().filter(l -> l.path("detail").asText().startsWith("line 2: not valid JSON"))
                .findFirst().orElseThrow(() -> new AssertionError("no dead letter for line 2: " + bundle.deadLetters()));
        assertEquals("inbox:mixed.ndjson", notJson.path("source").asText());
        awaitFile(today("done").resolve("mixed.ndjson"));
    }

    @Test
    void aFileThatCannotBeReadMovesToErrorWithASidecar() throws Exception {
        drop("notes.json", "these are not events");
        drop("broken.ndjson.gz", "not gzip at all".getBytes(StandardCharsets.UTF_8));
        awaitFile(today("error").resolve("notes.json"));
        awaitFile(today("error").resolve("notes.json.error.json"));
        JsonNode sidecar = JSON.readTree(today("error").resolve("notes.json.error.json").toFile());
        assertEquals("notes.json", sidecar.path("file").asText());
        assertTrue(sidecar.path("reason").asText().startsWith("the file is not valid JSON"), sidecar.toString());
        awaitFile(today("error").resolve("broken.ndjson.gz.error.json"));
        assertTrue(JSON.readTree(today("error").resolve("broken.ndjson.gz.error.json").toFile()).path("reason").asText()
                .contains("gzip"));
        assertFalse(Files.exists(inbox.resolve("notes.json")));
    }

    @Test
    void aLinkIsNotFollowedOutOfTheDataFolder(@TempDir Path elsewhere) throws Exception {
        Path outside = Files.createFile(elsewhere.resolve("secret.ndjson"));
        Files.writeString(outside, track("link-u", "Leaked") + "\n");
        Files.createSymbolicLink(inbox.resolve("link.ndjson"), outside);
        awaitFile(today("error").resolve("link.ndjson.error.json"));
        assertTrue(JSON.readTree(today("error").resolve("link.ndjson.error.json").toFile()).path("reason").asText()
                .contains("links are not followed"));
        assertTrue(totango.forUser("link-u").isEmpty());
        assertTrue(Files.exists(outside), "the target is untouched");
    }

    @Test
    void theSameFileReadAgainDeliversNothingTwice() throws Exception {
        String content = track("again-u", "Only Once") + "\n";
        FileTime time = FileTime.fromMillis(1_700_000_000_000L);
        Path staging = bundle.dataDir().resolve("again.ndjson");
        Files.writeString(staging, content);
        Files.setLastModifiedTime(staging, time);
        Files.copy(staging, inbox.resolve("again.ndjson"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        totango.awaitUser("again-u", 1);
        awaitFile(today("done").resolve("again.ndjson"));
        // as after a crash before the move: the same file (name, size, time) is read again
        Files.copy(staging, inbox.resolve("again.ndjson"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        awaitGone(inbox.resolve("again.ndjson"));
        drop("after-again.ndjson", track("again-u", "Marker") + "\n");
        totango.await(r -> "Marker".equals(r.param("sdr_a")), 1);
        assertEquals(1, totango.forUser("again-u").stream().filter(r -> "Only Once".equals(r.param("sdr_a"))).count());
    }

    @Test
    void aLargeGeneratedFileStreamsThrough() throws Exception {
        int events = 10_000;
        Path staging = bundle.dataDir().resolve("large.ndjson.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(staging))) {
            for (int i = 0; i < events; i++) {
                out.write((track("large-u", "L" + i) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        Files.move(staging, inbox.resolve("large.ndjson.gz"));
        totango.await(r -> "large-u".equals(r.param("sdr_u")), events, Duration.ofSeconds(90));
        awaitFile(today("done").resolve("large.ndjson.gz"));
        List<String> order = totango.forUser("large-u").stream().map(r -> r.param("sdr_a")).toList();
        assertEquals(events, order.size());
        assertEquals("L0", order.get(0));
        assertEquals("L" + (events - 1), order.get(events - 1), "in file order");
    }

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
