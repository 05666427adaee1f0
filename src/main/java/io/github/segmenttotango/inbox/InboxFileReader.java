package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.ingest.SegmentEvents;
import io.github.segmenttotango.ingest.SegmentJson;
import io.github.segmenttotango.mapping.SegmentToTotango;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/**
 * Reads the events of a dropped file, one at a time so that a file of any size goes through in
 * bounded memory: {@code .json} (one event, an array of events, or a {@code {"batch":[...]}}
 * envelope), {@code .ndjson} / {@code .jsonl} (one event a line), each optionally gzipped.
 *
 * <p>Each event is checked and stamped as the Tracking API does; an event without a messageId gets
 * one derived from the file and its position, so reading the same file again after a crash delivers
 * nothing twice. A bad line or event is refused alone with its position; a file that cannot be read
 * at all throws {@link InboxFileException}.
 */
public final class InboxFileReader {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFileReader.class);
    private static final long PROGRESS_EVERY_NANOS = 10_000_000_000L;

    private final Path inbox;
    private final IngestLimits limits;
    private final ObjectMapper json;
    private final Clock clock;

    public InboxFileReader(Path inbox, IngestLimits limits, Clock clock) {
        this.inbox = inbox;
        this.limits = limits;
        this.json = SegmentJson.mapper(limits);
        this.clock = clock;
    }

    /** The events of {@code file}, lazily; the iterator is {@link Closeable} and closes the file. */
    public Iterator<InboxEvent> events(File file) {
        Path path = checked(file.toPath());
        String name = path.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        boolean gzip = lower.endsWith(".gz");
        String base = gzip ? lower.substring(0, lower.length() - 3) : lower;
        String key = fileKey(path);
        if (base.endsWith(".ndjson") || base.endsWith(".jsonl")) {
            return new LineEvents(name, key, open(path, gzip));
        }
        if (base.endsWith(".json")) {
            return new JsonEvents(name, key, path, gzip);
        }
        throw new InboxFileException("not a .json, .ndjson or .jsonl file (optionally .gz): " + name);
    }

    /** Events per chunk: a chunk is one message of the events queue, on disk before the next is read. */
    static final int CHUNK_SIZE = 100;

    /** The valid events of a chunk (a bean method, so the routes call no method on the chunk itself). */
    public List<ObjectNode> eventsOf(InboxChunk chunk) {
        return chunk.events();
    }

    /**
     * The events of {@code file} in chunks of up to {@value #CHUNK_SIZE}, in file order: each chunk
     * holds its valid events and the ones refused alone. The iterator is {@link Closeable}.
     */
    public Iterator<InboxChunk> chunks(File file) {
        Iterator<InboxEvent> events = events(file);
        return new Chunks(events);
    }

    /** Groups the events of a file into chunks; closing it closes the file. */
    private static final class Chunks implements Iterator<InboxChunk>, Closeable {
        private final Iterator<InboxEvent> events;

        Chunks(Iterator<InboxEvent> events) {
            this.events = events;
        }

        @Override
        public boolean hasNext() {
            return events.hasNext();
        }

        @Override
        public InboxChunk next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            List<ObjectNode> valid = new ArrayList<>(CHUNK_SIZE);
            List<InboxEvent> rejected = new ArrayList<>();
            for (int i = 0; i < CHUNK_SIZE && events.hasNext(); i++) {
                InboxEvent event = events.next();
                if (event.valid()) {
                    valid.add(event.event());
                } else {
                    rejected.add(event);
                }
            }
            return new InboxChunk(valid, rejected);
        }

        @Override
        public void close() throws IOException {
            ((Closeable) events).close();
        }
    }

    /** Refuses links and anything outside the inbox folder. */
    private Path checked(Path path) {
        try {
            if (Files.isSymbolicLink(path) || !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new InboxFileException("not a regular file (links are not followed): " + path.getFileName());
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

    private static InputStream open(Path path, boolean gzip) {
        try {
            InputStream in = new BufferedInputStream(Files.newInputStream(path), 64 * 1024);
            return gzip ? new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024) : in;
        } catch (IOException e) {
            throw new InboxFileException("cannot be opened" + (gzip ? " as gzip" : "") + ": " + e.getMessage(), e);
        }
    }

    /** A short, stable key of the file's name, size and time: the base of derived messageIds. */
    private static String fileKey(Path path) {
        try {
            String identity = path.getFileName() + "|" + Files.size(path) + "|" + Files.getLastModifiedTime(path).toMillis();
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (IOException e) {
            throw new InboxFileException("cannot be read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks one parsed event and makes it ready, or says why not. */
    private InboxEvent accept(String file, String key, long position, JsonNode node, long size, JsonNode context,
            JsonNode integrations, String where) {
        String problem = SegmentEvents.problemOf(node, (int) Math.min(size, Integer.MAX_VALUE), limits.maxEventBytes());
        if (problem != null) {
            return new InboxEvent(file, position, null, where + " " + position + ": " + problem, node);
        }
        ObjectNode event = (ObjectNode) node;
        if (SegmentToTotango.messageIdOf(event) == null) {
            event.put("messageId", "file-" + key + "-" + position);
        }
        SegmentEvents.prepare(event, context, integrations, SegmentEvents.Receipt.of(clock, null));
        return new InboxEvent(file, position, event, null, null);
    }

    /** Logs events read and the rate every ten seconds, and a summary at the end. */
    private static final class Progress {
        private final String file;
        private final long started = System.nanoTime();
        private long lastLog = started;
        private long count;

        Progress(String file) {
            this.file = file;
        }

        void add() {
            count++;
            long now = System.nanoTime();
            if (now - lastLog >= PROGRESS_EVERY_NANOS) {
                lastLog = now;
                LOG.info("Inbox file {}: {} events read, {} events/s", file, count, rate(now));
            }
        }

        void done() {
            LOG.info("Inbox file {}: done, {} events read, {} events/s", file, count, rate(System.nanoTime()));
        }

        private long rate(long now) {
            long nanos = Math.max(1, now - started);
            return count * 1_000_000_000L / nanos;
        }
    }

    // ---------------------------------------------------------------- NDJSON

    private final class LineEvents implements Iterator<InboxEvent>, Closeable {
        private final String file;
        private final String key;
        private final InputStream in;
        private final Progress progress;
        private long line;
        private InboxEvent next;
        private boolean finished;

        LineEvents(String file, String key, InputStream in) {
            this.file = file;
            this.key = key;
            this.in = in;
            this.progress = new Progress(file);
        }

        @Override
        public boolean hasNext() {
            while (next == null && !finished) {
                next = readLine();
            }
            return next != null;
        }

        @Override
        public InboxEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            InboxEvent event = next;
            next = null;
            progress.add();
            return event;
        }

        /** The event of the next non-blank line, null for a blank one; sets finished at the end. */
        private InboxEvent readLine() {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
            long size = 0;
            try {
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    size++;
                    if (size <= limits.maxEventBytes()) {
                        buffer.write(b);
                    }
                }
                if (b < 0) {
                    finished = true;
                    progress.done();
                }
            } catch (IOException e) {
                throw new InboxFileException("could not be read after line " + line + ": " + e.getMessage(), e);
            }
            if (size == 0 && finished) {
                return null;
            }
            line++;
            String text = buffer.toString(StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                return null;
            }
            if (size > limits.maxEventBytes()) {
                return new InboxEvent(file, line, null, "line " + line + ": the event is larger than " + limits.maxEventBytes()
                        + " bytes", text.substring(0, Math.min(200, text.length())));
            }
            JsonNode node;
            try {
                node = json.readTree(text);
            } catch (IOException notJson) {
                return new InboxEvent(file, line, null, "line " + line + ": not valid JSON: "
                        + SegmentJson.firstLine(notJson.getMessage()), text.substring(0, Math.min(500, text.length())));
            }
            return accept(file, key, line, node, size, null, null, "line");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    // ---------------------------------------------------------------- JSON

    private final class JsonEvents implements Iterator<InboxEvent>, Closeable {
        private final String file;
        private final String key;
        private final Progress progress;
        private final JsonParser parser;
        private final InputStream in;
        private JsonNode context;
        private JsonNode integrations;
        private long index;
        private InboxEvent single;
        private boolean inArray;
        /** hasNext() has moved the parser onto the next event, which next() has not read yet. */
        private boolean pending;
        private boolean finished;

        JsonEvents(String file, String key, Path path, boolean gzip) {
            this.file = file;
            this.key = key;
            this.progress = new Progress(file);
            try {
                boolean batch = scanEnvelope(path, gzip);
                in = open(path, gzip);
                parser = json.createParser(in);
                JsonToken first = parser.nextToken();
                if (first == JsonToken.START_ARRAY) {
                    inArray = true;
                } else if (batch) {
                    seekBatch();
                    inArray = true;
                } else {
                    JsonNode node = json.readTree(parser);
                    long size = parser.currentLocation().getByteOffset();
                    single = accept(file, key, 1, node, size, null, null, "event");
                }
            } catch (InboxFileException e) {
                throw e;
            } catch (IOException e) {
                throw new InboxFileException("is not valid JSON: " + SegmentJson.firstLine(e.getMessage()), e);
            }
        }

        /** First pass, in constant memory: is it a batch envelope, and what context does it carry? */
        private boolean scanEnvelope(Path path, boolean gzip) throws IOException {
            try (InputStream scan = open(path, gzip); JsonParser envelope = json.createParser(scan)) {
                JsonToken first = envelope.nextToken();
                if (first == JsonToken.START_ARRAY) {
                    return false;
                }
                if (first != JsonToken.START_OBJECT) {
                    throw new InboxFileException("is not a JSON object or array of events");
                }
                boolean batch = false;
                while (envelope.nextToken() == JsonToken.FIELD_NAME) {
                    String field = envelope.currentName();
                    JsonToken value = envelope.nextToken();
                    if ("batch".equals(field) && value == JsonToken.START_ARRAY) {
                        batch = true;
                        envelope.skipChildren();
                    } else if ("context".equals(field)) {
                        context = json.readTree(envelope);
                    } else if ("integrations".equals(field)) {
                        integrations = json.readTree(envelope);
                    } else {
                        envelope.skipChildren();
                    }
                }
                return batch;
            }
        }

        private void seekBatch() throws IOException {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("batch".equals(field) && value == JsonToken.START_ARRAY) {
                    return;
                }
                parser.skipChildren();
            }
            throw new InboxFileException("has no batch array");
        }

        @Override
        public boolean hasNext() {
            if (single != null) {
                return true;
            }
            if (!inArray || finished) {
                return false;
            }
            if (pending) {
                return true;
            }
            try {
                if (parser.nextToken() == JsonToken.END_ARRAY) {
                    finished = true;
                    progress.done();
                    return false;
                }
                pending = true;
                return true;
            } catch (IOException e) {
                throw new InboxFileException("is not valid JSON after event " + index + ": " + SegmentJson.firstLine(e.getMessage()), e);
            }
        }

        @Override
        public InboxEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            progress.add();
            if (single != null) {
                InboxEvent event = single;
                single = null;
                inArray = false;
                progress.done();
                return event;
            }
            pending = false;
            try {
                long start = parser.currentTokenLocation().getByteOffset();
                JsonNode node = json.readTree(parser);
                index++;
                return accept(file, key, index, node, parser.currentLocation().getByteOffset() - start, context, integrations,
                        "event");
            } catch (IOException e) {
                throw new InboxFileException("is not valid JSON after event " + index + ": " + SegmentJson.firstLine(e.getMessage()), e);
            }
        }

        @Override
        public void close() throws IOException {
            parser.close();
            in.close();
        }
    }

    /** The sidecar of a file moved to error/: which file, why, and when, as JSON. */
    public String errorReport(String file, Exception failure) {
        Throwable cause = failure;
        while (!(cause instanceof InboxFileException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String reason = cause instanceof InboxFileException ? "the file " + cause.getMessage()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        ObjectNode report = json.createObjectNode();
        report.put("file", file);
        report.put("reason", reason);
        report.put("failedAt", SegmentEvents.now(clock));
        return report.toPrettyString();
    }
}
