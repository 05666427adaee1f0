package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.SegmentEvents;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;

/**
 * {@code error/<day>/} beside the inbox: where a file that cannot be read goes, with a sidecar
 * ({@code <name>.error.json}) that says which file, why, and when.
 */
final class ErrorFolder {

    /** Longest file name, in bytes, that most file systems take. */
    private static final int MAX_NAME_BYTES = 255;

    private final Path folder;
    private final boolean doneMarker;
    private final Clock clock;

    ErrorFolder(Path inbox, boolean doneMarker, Clock clock) {
        this.folder = inbox.resolveSibling("error");
        this.doneMarker = doneMarker;
        this.clock = clock;
    }

    /** Moves a file to {@code error/<day>/}; its done marker, if any, is removed with it. */
    void move(Path path, String day) throws IOException {
        Path target = folder.resolve(day).resolve(path.getFileName().toString());
        Files.createDirectories(target.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(path, target, StandardCopyOption.REPLACE_EXISTING);
        }
        String name = path.getFileName().toString();
        if (doneMarker && name.getBytes(StandardCharsets.UTF_8).length + ".done".length() <= MAX_NAME_BYTES) {
            Files.deleteIfExists(path.resolveSibling(name + ".done"));
        }
    }

    /**
     * The name of the sidecar of a file: {@code <name>.error.json}, or, when that would be longer than a
     * file name may be, the name cut short with a digest of the whole name (the sidecar's {@code file}
     * field gives the name in full).
     */
    static String sidecarName(String file) {
        String suffix = ".error.json";
        byte[] name = file.getBytes(StandardCharsets.UTF_8);
        if (name.length + suffix.length() <= MAX_NAME_BYTES) {
            return file + suffix;
        }
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String tail = "~" + digest + suffix;
        StringBuilder kept = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < file.length(); ) {
            int codePoint = file.codePointAt(i);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size + tail.length() > MAX_NAME_BYTES) {
                break;
            }
            kept.appendCodePoint(codePoint);
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return kept + tail;
    }

    /** The sidecar of a file: which file, why, and when, as JSON. */
    String report(String file, Exception failure) {
        Throwable cause = failure;
        while (!(cause instanceof InboxFileException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String reason = cause instanceof InboxFileException ? "the file " + cause.getMessage()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        ObjectNode report = JsonNodeFactory.instance.objectNode();
        report.put("file", file);
        report.put("reason", reason);
        report.put("failedAt", SegmentEvents.now(clock));
        return report.toPrettyString();
    }
}
