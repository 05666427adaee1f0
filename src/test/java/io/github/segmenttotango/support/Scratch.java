package io.github.segmenttotango.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes what a test or the bench wrote to a scratch folder, so runs leave nothing behind in /tmp. */
public final class Scratch {

    private Scratch() {
    }

    /** Deletes a file, or a folder with all it holds; nothing when it is already gone. */
    public static void delete(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the scratch folder " + path, e);
        }
    }
}
