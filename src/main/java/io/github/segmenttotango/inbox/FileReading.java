package io.github.segmenttotango.inbox;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * What is known of a file being read: how far it was handed over, how it was when last opened, and a
 * digest of its start (so that another file copied over it under the same name is read from its start).
 */
final class FileReading {

    /** How much of a file's start tells it from another file under the same name. */
    private static final int START_BYTES = 64 * 1024;

    private final Object identity;
    private final int startLength;
    private final byte[] start;
    /** The position of the last event handed over. */
    long handled;
    long size;
    long modified;
    /** The end was cut in a young file: not written yet. */
    boolean cutEnd;

    FileReading(Path path, BasicFileAttributes attributes) {
        this.identity = attributes.fileKey();
        this.startLength = (int) Math.min(attributes.size(), START_BYTES);
        this.start = startOf(path, startLength);
    }

    boolean sameFile(Path path, BasicFileAttributes now) {
        return Objects.equals(identity, now.fileKey()) && now.size() >= size
                && Arrays.equals(start, startOf(path, startLength));
    }

    private static byte[] startOf(Path path, int length) {
        try (InputStream in = Files.newInputStream(path)) {
            return MessageDigest.getInstance("SHA-256").digest(in.readNBytes(length));
        } catch (IOException e) {
            throw new InboxFileException("cannot be read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens a file to read, buffered, through gzip when it is gzipped. */
    static InputStream open(Path path, boolean gzip) {
        try {
            InputStream in = new BufferedInputStream(Files.newInputStream(path), 64 * 1024);
            return gzip ? new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024) : in;
        } catch (IOException e) {
            throw new InboxFileException("cannot be opened" + (gzip ? " as gzip" : "") + ": " + e.getMessage(), e);
        }
    }
}
