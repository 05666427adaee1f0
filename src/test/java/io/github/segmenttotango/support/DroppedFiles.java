package io.github.segmenttotango.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Files dropped in a running bundle's inbox, and where they end up: what the file-drop tests share. */
public final class DroppedFiles {

    private DroppedFiles() {
    }

    /** One track event as a JSON line (without its newline), with an account. */
    public static String track(String user, String event) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"context\":{\"groupId\":\"g\"}}";
    }

    /** Writes the file beside the inbox, then moves it in whole, as a careful exporter does. */
    public static void drop(RunningBundle bundle, String name, byte[] content) throws IOException {
        Path staging = bundle.dataDir().resolve(name);
        Files.write(staging, content);
        Files.move(staging, bundle.dataDir().resolve("inbox").resolve(name));
    }

    public static void drop(RunningBundle bundle, String name, String content) throws IOException {
        drop(bundle, name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Today's folder of {@code done} or {@code error} beside the inbox. */
    public static Path today(RunningBundle bundle, String folder) {
        return bundle.dataDir().resolve(folder).resolve(LocalDate.now(ZoneOffset.UTC).toString());
    }

    /** Waits (30 s at most) until the file exists. */
    public static void awaitFile(Path file) {
        Wait.atMost(Duration.ofSeconds(30)).alias("the file " + file).until(() -> Files.exists(file));
    }

    /** Waits (30 s at most) until the file is gone. */
    public static void awaitGone(Path file) {
        Wait.atMost(Duration.ofSeconds(30)).alias(file + " gone").until(() -> !Files.exists(file));
    }
}
