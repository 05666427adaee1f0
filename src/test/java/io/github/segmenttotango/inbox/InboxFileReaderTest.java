package io.github.segmenttotango.inbox;

import io.github.segmenttotango.ingest.IngestLimits;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        Iterator<InboxEvent> events = new InboxFileReader(inbox, IngestLimits.segmentDefaults(), Clock.systemUTC()).events(file.toFile());
        List<InboxEvent> all = new ArrayList<>();
        while (events.hasNext() && events.hasNext()) {
            all.add(events.next());
        }
        ((Closeable) events).close();
        return all;
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
        String line = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\"}\n";
        java.nio.file.attribute.FileTime time = java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L);
        Path file = inbox.resolve("same.ndjson");
        Files.writeString(file, line);
        Files.setLastModifiedTime(file, time);
        InboxFileReader reader = new InboxFileReader(inbox, IngestLimits.segmentDefaults(), Clock.systemUTC());
        String first = reader.events(file.toFile()).next().event().get("messageId").asText();
        String again = reader.events(file.toFile()).next().event().get("messageId").asText();
        assertTrue(first.startsWith("file-") && first.endsWith("-1"), first);
        assertEquals(first, again, "the same file read again (after a crash) gives the same ids");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_700_000_001_000L));
        String newer = reader.events(file.toFile()).next().event().get("messageId").asText();
        assertTrue(!first.equals(newer), "a new export under the same name is new");
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
}
