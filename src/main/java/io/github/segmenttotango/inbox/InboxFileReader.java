package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.IngestLimits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the events of a dropped file, one at a time so that a file of any size goes through in
 * bounded memory (bean {@code inboxFiles}): {@code .json} (one event, an array of events, or a
 * {@code {"batch":[...]}} envelope: {@link JsonEvents}), {@code .ndjson} / {@code .jsonl} (one event a
 * line: {@link LineEvents}), each optionally gzipped.
 *
 * <p>Each event is checked and stamped as the Tracking API does ({@link DroppedEvents}). A bad line or
 * event is refused alone with its position; a file that cannot be read at all throws
 * {@link InboxFileException} and goes to {@code error/} ({@link ErrorFolder}).
 *
 * <p>A file may still be written when it is read (a copy that stalls longer than the settle time):
 * a cut end (last line without newline that is not JSON, a JSON document or gzip stream cut short) in
 * a file younger than {@value #NOT_WRITTEN_YET_SETTLE_TIMES} settle times is "not written yet", not a bad
 * line, and {@link #settled} then refuses to let the file go, as it does for a file that changed while
 * or after it was read (a warning when it was truncated). Read again, the file is read on from the first
 * event not yet handed over ({@link FileReading}). An empty file is a cut end while young, then a file of
 * no events. A file with more than one hard link is refused: it may be a file from elsewhere linked into
 * the inbox.
 */
public final class InboxFileReader {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFileReader.class);
    /** How many settle times a file with a cut end is taken as still being written. */
    static final int NOT_WRITTEN_YET_SETTLE_TIMES = 5;
    /** Files left in the inbox whose reading is remembered; past this, the oldest is read from its start again. */
    private static final int REMEMBERED_FILES = 1000;

    private final Path inbox;
    private final DroppedEvents events;
    private final ErrorFolder errors;
    private final Clock clock;
    private final long notWrittenYetMillis;
    private final Map<Path, FileReading> readings = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, FileReading> eldest) {
            return size() > REMEMBERED_FILES;
        }
    });

    /**
     * @param settleTime how long a file has not changed before it is read ({@code inbox.settle-time})
     * @param doneMarker files are read once their {@code <name>.done} marker exists ({@code inbox.done-marker}):
     *                   the writer says the file is complete, so a cut end is a bad line at once
     */
    public InboxFileReader(Path inbox, IngestLimits limits, Clock clock, Duration settleTime, boolean doneMarker) {
        this.inbox = inbox;
        this.events = new DroppedEvents(limits, clock);
        this.errors = new ErrorFolder(inbox, doneMarker, clock);
        this.clock = clock;
        this.notWrittenYetMillis = doneMarker ? 0 : settleTime.toMillis() * NOT_WRITTEN_YET_SETTLE_TIMES;
    }

    /** The events of {@code file}, lazily; the iterator is {@link Closeable} and closes the file. */
    public Iterator<InboxEvent> events(File file) {
        Path path = checked(file.toPath());
        String name = path.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        boolean gzip = lower.endsWith(".gz");
        String base = gzip ? lower.substring(0, lower.length() - 3) : lower;
        if (!base.endsWith(".ndjson") && !base.endsWith(".jsonl") && !base.endsWith(".json")) {
            throw new InboxFileException("not a .json, .ndjson or .jsonl file (optionally .gz): " + name);
        }
        BasicFileAttributes attributes = attributes(path);
        FileReading reading = readings.compute(keyOf(file), (key, known) ->
                known != null && known.sameFile(path, attributes) ? known : new FileReading(path, attributes));
        reading.size = attributes.size();
        reading.modified = attributes.lastModifiedTime().toMillis();
        reading.cutEnd = false;
        boolean young = clock.millis() - reading.modified < notWrittenYetMillis;
        if (attributes.size() == 0) {
            // most often a copy that has not written yet: it waits like a cut end; older, it holds no events
            reading.cutEnd = young;
            if (!young) {
                LOG.info("Inbox file {}: empty (0 bytes), no events", name);
            }
            return new InboxChunks.NoEvents();
        }
        if (reading.handled > 0) {
            LOG.info("Inbox file {}: read again from event {} on", name, reading.handled + 1);
        }
        if (base.endsWith(".json")) {
            return new JsonEvents(events, name, reading, young, path, gzip);
        }
        return new LineEvents(events, name, reading, young, FileReading.open(path, gzip));
    }

    /**
     * The events of {@code file} in chunks of up to {@value InboxChunks#CHUNK_SIZE}, in file order: each
     * chunk holds its valid events and the ones refused alone. The iterator is {@link Closeable}.
     */
    public Iterator<InboxChunk> chunks(File file) {
        return new InboxChunks(events(file));
    }

    /** The valid events of a chunk (a bean method, so the routes call no method on the chunk itself). */
    public List<ObjectNode> eventsOf(InboxChunk chunk) {
        return chunk.events();
    }

    /**
     * Lets the file go (to done/) only if it is complete: throws {@link InboxFileNotSettled} when its end
     * was cut in a young file, or when it changed while or after it was read (size, modification time).
     */
    public void settled(File file) {
        Path key = keyOf(file);
        FileReading reading = readings.get(key);
        if (reading == null) {
            return;
        }
        BasicFileAttributes now = attributes(file.toPath());
        if (now.size() < reading.size) {
            LOG.warn("Inbox file {} was truncated while it was read ({} bytes then, {} now): events past the cut are lost;"
                    + " it stays in the inbox and is read again (nothing is delivered twice)", file.getName(), reading.size, now.size());
            throw new InboxFileNotSettled("it was truncated while it was read (" + reading.size + " bytes then, " + now.size() + " now)");
        }
        if (reading.cutEnd) {
            throw new InboxFileNotSettled("its end is cut short (no newline and not JSON, or a cut JSON or gzip) and it changed less than "
                    + Duration.ofMillis(notWrittenYetMillis).toSeconds() + " s ago: it is still being written");
        }
        if (now.size() != reading.size || now.lastModifiedTime().toMillis() != reading.modified) {
            throw new InboxFileNotSettled("it changed while it was read (" + reading.size + " bytes then, " + now.size()
                    + " now): it is still being written");
        }
        readings.remove(key);
    }

    /**
     * Creates the day's folder in {@code done/} beside the inbox, if missing, before Camel moves a file
     * there: instances that share the inbox may both create it at the same moment, and Camel's move
     * fails for the one whose {@code mkdirs} finds it made meanwhile (the file then stays in the inbox
     * and is read again); {@link Files#createDirectories} takes a folder made meanwhile as made.
     */
    public void prepareDoneFolder(String day) throws IOException {
        Files.createDirectories(inbox.resolveSibling("done").resolve(day));
    }

    /**
     * Moves a file that cannot be read to {@code error/<day>/} beside the inbox (its sidecar says why); its
     * done marker, if any, is removed with it.
     */
    public void moveToError(String file, String day) throws IOException {
        Path path = Path.of(file).toAbsolutePath().normalize();
        readings.remove(path);
        errors.move(path, day);
    }

    /** The name of the sidecar of a file moved to error/ ({@link ErrorFolder#sidecarName}). */
    public String sidecarName(String file) {
        return ErrorFolder.sidecarName(file);
    }

    /** The sidecar of a file moved to error/: which file, why, and when, as JSON. */
    public String errorReport(String file, Exception failure) {
        return errors.report(file, failure);
    }

    private static Path keyOf(File file) {
        return file.toPath().toAbsolutePath().normalize();
    }

    private static BasicFileAttributes attributes(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new InboxFileException("cannot be read: " + e.getMessage(), e);
        }
    }

    /** Refuses links and anything outside the inbox folder. */
    private Path checked(Path path) {
        try {
            if (Files.isSymbolicLink(path) || !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new InboxFileException("not a regular file (links are not followed): " + path.getFileName());
            }
            if (links(path) > 1) {
                throw new InboxFileException("has " + links(path) + " hard links: a file linked from elsewhere is not read");
            }
            Path real = path.toRealPath();
            if (!real.getParent().equals(inbox.toRealPath())) {
                throw new InboxFileException("outside the inbox folder: " + path.getFileName());
            }
            return real;
        } catch (IOException e) {
            throw new InboxFileException("cannot be read: " + e.getMessage(), e);
        }
    }

    /** How many hard links a file has (1 where the file system does not say). */
    private static int links(Path path) throws IOException {
        try {
            return ((Number) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
        } catch (UnsupportedOperationException | IllegalArgumentException notUnix) {
            return 1;
        }
    }
}
