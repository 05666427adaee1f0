package io.github.segmenttotango;

import io.github.segmenttotango.support.DroppedFiles;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import static io.github.segmenttotango.support.DroppedFiles.awaitFile;
import static io.github.segmenttotango.support.DroppedFiles.awaitGone;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler's convention, with inbox.done-marker=true: a file is read only once its <name>.done marker exists. */
class FileDropDoneMarkerTest {

    private static TotangoStandIn totango;
    private static RunningBundle bundle;
    private static Path inbox;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("inbox.settle-time", "500ms", "inbox.done-marker", "true"));
        inbox = bundle.dataDir().resolve("inbox");
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    private static String track(String user, String event) {
        return DroppedFiles.track(user, event) + "\n";
    }

    private static Path done(String name) {
        return DroppedFiles.today(bundle, "done").resolve(name);
    }

    @Test
    void aFileIsHeldBackUntilItsMarkerExistsAndTheMarkerIsNeverReadAsData() throws Exception {
        Files.writeString(inbox.resolve("waiting.ndjson"), track("marker-u", "Held"));
        // a file with its marker, dropped after: once it is delivered, the first one has been passed over
        Files.writeString(inbox.resolve("ready.ndjson"), track("marker-u", "Ready"));
        Files.writeString(inbox.resolve("ready.ndjson.done"), "");
        totango.await(r -> "Ready".equals(r.param("sdr_a")), 1);
        awaitGone(inbox.resolve("ready.ndjson.done"));
        assertTrue(Files.exists(done("ready.ndjson")));
        // two more polls pass over the file without its marker: a file with its marker is read at each
        for (String passing : List.of("pass-1", "pass-2")) {
            Files.writeString(inbox.resolve(passing + ".ndjson"), track("marker-pass", passing));
            Files.writeString(inbox.resolve(passing + ".ndjson.done"), "");
            totango.await(r -> passing.equals(r.param("sdr_a")), 1);
        }
        assertEquals(List.of("Ready"), totango.forUser("marker-u").stream().map(r -> r.param("sdr_a")).toList(),
                "no marker, not read");
        assertTrue(Files.exists(inbox.resolve("waiting.ndjson")), "held back in the inbox");

        // the marker may hold anything: it is never read as events
        Files.writeString(inbox.resolve("waiting.ndjson.done"), track("marker-u", "FromTheMarker"));
        totango.await(r -> "Held".equals(r.param("sdr_a")), 1);
        awaitGone(inbox.resolve("waiting.ndjson.done"));
        assertTrue(Files.exists(done("waiting.ndjson")));
        assertFalse(Files.exists(done("waiting.ndjson.done")), "the marker is removed, not kept");
        Files.writeString(inbox.resolve("last.ndjson"), track("marker-u", "Last"));
        Files.writeString(inbox.resolve("last.ndjson.done"), "");
        totango.await(r -> "Last".equals(r.param("sdr_a")), 1);
        assertEquals(List.of("Ready", "Held", "Last"), totango.forUser("marker-u").stream().map(r -> r.param("sdr_a")).toList());
    }

    @Test
    void anUnreadableFileMovesToErrorWithoutLeavingItsMarker() throws Exception {
        Files.writeString(inbox.resolve("broken.json"), "these are not events");
        Files.writeString(inbox.resolve("broken.json.done"), "");
        Path error = bundle.dataDir().resolve("error").resolve(LocalDate.now(ZoneOffset.UTC).toString());
        awaitFile(error.resolve("broken.json.error.json"));
        awaitGone(inbox.resolve("broken.json"));
        assertTrue(Files.exists(error.resolve("broken.json")));
        awaitGone(inbox.resolve("broken.json.done"));
    }
}
