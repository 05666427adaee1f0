package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
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
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * Reads the events of a dropped file, one at a time so that a file of any size goes through in
 * bounded memory: {@code .json} (one event, an array of events, or a {@code {"batch":[...]}}
 * envelope), {@code .ndjson} / {@code .jsonl} (one event a line), each optionally gzipped.
 *
 * <p>Each event is checked and stamped as the Tracking API does; an event without a messageId gets
 * one derived from the file's name, the event's position and its content, so reading the same file
 * again (after a crash, or once more of it is written) delivers nothing twice. A bad line or event is
 * refused alone with its position; a file that cannot be read at all throws {@link InboxFileException}.
 *
 * <p>A file may still be written when it is read (a copy that stalls longer than the settle time):
 * a cut end (last line without newline that is not JSON, a JSON document or gzip stream cut short) in
 * a file younger than {@value #NOT_WRITTEN_YET_SETTLE_TIMES} settle times is "not written yet", not a bad
 * line, and {@link #settled} then refuses to let the file go, as it does for a file that changed while
 * or after it was read (a warning when it was truncated). Read again, the file is read on from the first
 * event not yet handed over. An empty file is a cut end while young, then a file of no events.
 *
 * <p>A JSON file is read around its events by a lenient parser that copies each event out; the event is
 * read alone under the event limits, so that an event that cannot be read is refused alone. A file with
 * more than one hard link is refused: it may be a file from elsewhere linked into the inbox.
 */
public final class InboxFileReader {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFileReader.class);
    private static final long PROGRESS_EVERY_NANOS = 10_000_000_000L;
    /** How many settle times a file with a cut end is taken as still being written. */
    static final int NOT_WRITTEN_YET_SETTLE_TIMES = 5;
    /** Files left in the inbox whose reading is remembered; past this, the oldest is read from its start again. */
    private static final int REMEMBERED_FILES = 1000;

    private final Path inbox;
    private final IngestLimits limits;
    private final ObjectMapper json;
    /** Reads a JSON file around its events: deeper nesting, longer numbers than an event may have (see copyValue). */
    private final JsonFactory fileJson;
    private final Clock clock;
    private final long notWrittenYetMillis;
    private final boolean doneMarker;
    private final Map<Path, Reading> readings = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Reading> eldest) {
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
        this.limits = limits;
        this.json = SegmentJson.mapper(limits);
        this.fileJson = SegmentJson.mapper(new IngestLimits(limits.maxRequestBytes(), limits.maxEventBytes(), limits.maxBatchEvents(),
                DEEPEST_FILE_NESTING, limits.maxStringLength(), Math.max(limits.maxNumberLength(), limits.maxEventBytes()))).getFactory();
        this.clock = clock;
        this.notWrittenYetMillis = doneMarker ? 0 : settleTime.toMillis() * NOT_WRITTEN_YET_SETTLE_TIMES;
        this.doneMarker = doneMarker;
    }

    /**
     * What is known of a file being read: how far it was handed over, how it was when last opened, and a
     * digest of its start (so that another file copied over it under the same name is read from its start).
     */
    private static final class Reading {
        private final Object identity;
        private final int startLength;
        private final byte[] start;
        private long handled;
        private long size;
        private long modified;
        private boolean cutEnd;

        Reading(Path path, BasicFileAttributes attributes) {
            this.identity = attributes.fileKey();
            this.startLength = (int) Math.min(attributes.size(), START_BYTES);
            this.start = startOf(path, startLength);
        }

        boolean sameFile(Path path, BasicFileAttributes now) {
            return Objects.equals(identity, now.fileKey()) && now.size() >= size
                    && Arrays.equals(start, startOf(path, startLength));
        }
    }

    /** How much of a file's start tells it from another file under the same name. */
    private static final int START_BYTES = 64 * 1024;

    private static byte[] startOf(Path path, int length) {
        try (InputStream in = Files.newInputStream(path)) {
            return MessageDigest.getInstance("SHA-256").digest(in.readNBytes(length));
        } catch (IOException e) {
            throw new InboxFileException("cannot be read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        Reading reading = readings.compute(keyOf(file), (key, known) ->
                known != null && known.sameFile(path, attributes) ? known : new Reading(path, attributes));
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
            return new NoEvents();
        }
        if (reading.handled > 0) {
            LOG.info("Inbox file {}: read again from event {} on", name, reading.handled + 1);
        }
        if (base.endsWith(".json")) {
            return new JsonEvents(name, reading, young, path, gzip);
        }
        return new LineEvents(name, reading, young, open(path, gzip));
    }

    /** The events of an empty file: none. */
    private static final class NoEvents implements Iterator<InboxEvent>, Closeable {
        @Override
        public boolean hasNext() {
            return false;
        }

        @Override
        public InboxEvent next() {
            throw new NoSuchElementException();
        }

        @Override
        public void close() {
            // nothing opened
        }
    }

    /**
     * Lets the file go (to done/) only if it is complete: throws {@link InboxFileNotSettled} when its end
     * was cut in a young file, or when it changed while or after it was read (size, modification time).
     */
    public void settled(File file) {
        Path key = keyOf(file);
        Reading reading = readings.get(key);
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
     * Moves a file that cannot be read to {@code error/<day>/} beside the inbox (its sidecar says why); its
     * done marker, if any, is removed with it.
     */
    public void moveToError(String file, String day) throws IOException {
        Path path = Path.of(file).toAbsolutePath().normalize();
        readings.remove(path);
        Path target = inbox.resolveSibling("error").resolve(day).resolve(path.getFileName().toString());
        Files.createDirectories(target.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(path, target, StandardCopyOption.REPLACE_EXISTING);
        }
        String name = path.getFileName().toString();
        if (doneMarker && name.getBytes(StandardCharsets.UTF_8).length + ".done".length() <= MAX_NAME_BYTES) {
            Files.deleteIfExists(path.resolveSibling(name + ".done"));
        }
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

    /** How deep a JSON file may nest around and inside its events before it cannot be read on at all. */
    static final int DEEPEST_FILE_NESTING = 500;

    /**
     * Copies the value the (lenient) file parser is on, the parser ending on its last token: its bytes, or
     * null when it is larger than an event may be (the rest of it is skipped, not kept). An event is then
     * read from these bytes alone, under the event limits, so that nothing wrong inside one event can stop
     * the reading of the file.
     */
    private byte[] copyValue(JsonParser parser) throws IOException {
        CappedBytes out = new CappedBytes(limits.maxEventBytes());
        JsonToken token = parser.currentToken();
        int depth = 0;
        try (JsonGenerator copy = json.getFactory().createGenerator(out)) {
            while (true) {
                if (!out.full()) {
                    switch (token) {
                        case START_OBJECT -> copy.writeStartObject();
                        case END_OBJECT -> copy.writeEndObject();
                        case START_ARRAY -> copy.writeStartArray();
                        case END_ARRAY -> copy.writeEndArray();
                        case FIELD_NAME -> copy.writeFieldName(parser.currentName());
                        case VALUE_STRING -> copy.writeString(parser.getText());
                        // as written: a number out of range is the event's problem, found when it is read
                        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> copy.writeNumber(parser.getText());
                        case VALUE_TRUE, VALUE_FALSE -> copy.writeBoolean(token == JsonToken.VALUE_TRUE);
                        case VALUE_NULL -> copy.writeNull();
                        default -> throw new JsonParseException(parser, "unexpected " + token);
                    }
                    copy.flush();
                }
                depth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
                if (depth == 0) {
                    break;
                }
                token = parser.nextToken();
                if (token == null) {
                    throw new JsonEOFException(parser, null, "the file ends inside an event");
                }
            }
        }
        return out.full() ? null : out.toByteArray();
    }

    /** Bytes up to a bound; past it, what is written is dropped and the copy is "full". */
    private static final class CappedBytes extends ByteArrayOutputStream {
        private final int max;
        private boolean full;

        CappedBytes(int max) {
            super(512);
            this.max = max;
        }

        boolean full() {
            return full;
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            if (full || count + length > max) {
                full = true;
                return;
            }
            super.write(bytes, offset, length);
        }

        @Override
        public synchronized void write(int b) {
            if (full || count + 1 > max) {
                full = true;
                return;
            }
            super.write(b);
        }
    }

    /** Why a value cannot be read, in the words of the input (no Java class names). */
    static String unreadableReason(Exception failure) {
        if (failure instanceof NumberFormatException) {
            return "a number is out of range";
        }
        String message = failure instanceof StreamConstraintsException limit ? limit.getOriginalMessage() : failure.getMessage();
        return SegmentJson.firstLine(message).replaceAll(", from `?[A-Za-z.]+\\(\\)`?", "");
    }
    /** A stream that ended early: a JSON document or gzip stream cut short. */
    private static boolean cut(IOException e) {
        return e instanceof JsonEOFException || e instanceof EOFException;
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

    /**
     * Groups the events of a file into chunks; closing it closes the file. When the file fails after
     * some events of a chunk, that chunk still goes, and the failure comes after it.
     */
    private static final class Chunks implements Iterator<InboxChunk>, Closeable {
        private final Iterator<InboxEvent> events;
        private RuntimeException failure;

        Chunks(Iterator<InboxEvent> events) {
            this.events = events;
        }

        @Override
        public boolean hasNext() {
            if (failure != null) {
                RuntimeException thrown = failure;
                failure = null;
                throw thrown;
            }
            return events.hasNext();
        }

        @Override
        public InboxChunk next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            List<ObjectNode> valid = new ArrayList<>(CHUNK_SIZE);
            List<InboxEvent> rejected = new ArrayList<>();
            try {
                for (int i = 0; i < CHUNK_SIZE && events.hasNext(); i++) {
                    InboxEvent event = events.next();
                    if (event.valid()) {
                        valid.add(event.event());
                    } else {
                        rejected.add(event);
                    }
                }
            } catch (RuntimeException e) {
                if (valid.isEmpty() && rejected.isEmpty()) {
                    throw e;
                }
                failure = e;
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

    /** Longest file name, in bytes, that most file systems take. */
    private static final int MAX_NAME_BYTES = 255;

    /**
     * The name of the sidecar of a file moved to error/: {@code <name>.error.json}, or, when that would be
     * longer than a file name may be, the name cut short with a digest of the whole name (the sidecar's
     * {@code file} field gives the name in full).
     */
    public String sidecarName(String file) {
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

    private static InputStream open(Path path, boolean gzip) {
        try {
            InputStream in = new BufferedInputStream(Files.newInputStream(path), 64 * 1024);
            return gzip ? new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024) : in;
        } catch (IOException e) {
            throw new InboxFileException("cannot be opened" + (gzip ? " as gzip" : "") + ": " + e.getMessage(), e);
        }
    }

    /**
     * The messageId of an event that has none: from the file's name, the event's position and its content,
     * so that it stays the same when the file is read again, grown or not.
     */
    private String derivedMessageId(String file, long position, JsonNode event) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((file + "|" + position + "|").getBytes(StandardCharsets.UTF_8));
            byte[] hash = sha.digest(json.writeValueAsBytes(event));
            return "file-" + HexFormat.of().formatHex(hash, 0, 8) + "-" + position;
        } catch (IOException e) {
            throw new InboxFileException("event " + position + " cannot be written back: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks one parsed event and makes it ready, or says why not. */
    private InboxEvent accept(String file, long position, JsonNode node, long size, JsonNode context,
            JsonNode integrations, String where) {
        String problem = SegmentEvents.problemOf(node, (int) Math.min(size, Integer.MAX_VALUE), limits.maxEventBytes());
        if (problem != null) {
            return new InboxEvent(file, position, null, where + " " + position + ": " + problem, node);
        }
        ObjectNode event = (ObjectNode) node;
        if (SegmentToTotango.messageIdOf(event) == null) {
            event.put("messageId", derivedMessageId(file, position, event));
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

        /** The end of the file is reached (whether it is done is for {@link #settled} to say). */
        void end() {
            LOG.info("Inbox file {}: end reached, {} events read, {} events/s", file, count, rate(System.nanoTime()));
        }

        private long rate(long now) {
            long nanos = Math.max(1, now - started);
            return count * 1_000_000_000L / nanos;
        }
    }

    // ---------------------------------------------------------------- NDJSON

    private final class LineEvents implements Iterator<InboxEvent>, Closeable {
        private final String file;
        private final Reading reading;
        private final boolean young;
        private final InputStream in;
        private final Progress progress;
        private long line;
        private InboxEvent next;
        private boolean finished;

        LineEvents(String file, Reading reading, boolean young, InputStream in) {
            this.file = file;
            this.reading = reading;
            this.young = young;
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
            reading.handled = event.position();
            progress.add();
            return event;
        }

        /** The event of the next non-blank line, null for a blank one or one handed over before; sets finished at the end. */
        private InboxEvent readLine() {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
            boolean handedOver = line < reading.handled;
            long size = 0;
            int b = -1;
            try {
                while ((b = in.read()) >= 0 && b != '\n') {
                    size++;
                    if (size <= limits.maxEventBytes() && !handedOver) {
                        buffer.write(b);
                    }
                }
            } catch (IOException e) {
                if (!(young && cut(e))) {
                    throw new InboxFileException("could not be read after line " + line + ": " + e.getMessage(), e);
                }
                return cutEnd();
            }
            if (b < 0) {
                finished = true;
                progress.end();
            }
            if (size == 0 && finished) {
                return null;
            }
            line++;
            if (handedOver) {
                return null;
            }
            String text = buffer.toString(StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                return null;
            }
            if (size > limits.maxEventBytes()) {
                if (finished && young) {
                    return cutEnd();
                }
                return new InboxEvent(file, line, null, "line " + line + ": the event is larger than " + limits.maxEventBytes()
                        + " bytes", text.substring(0, Math.min(200, text.length())));
            }
            JsonNode node;
            try {
                node = json.readTree(text);
            } catch (NumberFormatException | StreamConstraintsException unreadable) {
                return new InboxEvent(file, line, null, "line " + line + ": cannot be read: " + unreadableReason(unreadable),
                        text.substring(0, Math.min(500, text.length())));
            } catch (IOException notJson) {
                if (finished && young) {
                    return cutEnd();
                }
                return new InboxEvent(file, line, null, "line " + line + ": not valid JSON: "
                        + SegmentJson.firstLine(notJson.getMessage()), text.substring(0, Math.min(500, text.length())));
            }
            return accept(file, line, node, size, null, null, "line");
        }

        /** The last line is cut in a young file: not written yet, left for the next reading. */
        private InboxEvent cutEnd() {
            finished = true;
            reading.cutEnd = true;
            return null;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    // ---------------------------------------------------------------- JSON

    private final class JsonEvents implements Iterator<InboxEvent>, Closeable {
        private final String file;
        private final Reading reading;
        private final boolean young;
        private final Progress progress;
        private JsonParser parser;
        private InputStream in;
        private JsonNode context;
        private JsonNode integrations;
        private long index;
        private InboxEvent next;
        private boolean inArray;
        private boolean finished;
        /** The file cannot be read past an event: thrown once that event (refused) is handed over. */
        private InboxFileException failure;

        JsonEvents(String file, Reading reading, boolean young, Path path, boolean gzip) {
            this.file = file;
            this.reading = reading;
            this.young = young;
            this.progress = new Progress(file);
            try {
                boolean batch = scanEnvelope(path, gzip);
                in = open(path, gzip);
                parser = fileJson.createParser(in);
                JsonToken first = parser.nextToken();
                if (first == JsonToken.START_ARRAY) {
                    inArray = true;
                } else if (batch) {
                    seekBatch();
                    inArray = true;
                } else {
                    // the file's one event, refused alone like one of an array
                    finished = true;
                    next = nextEvent();
                }
            } catch (InboxFileException e) {
                throw e;
            } catch (IOException e) {
                failed(e, "is not valid JSON: ");
            }
        }

        /** A cut document in a young file is not written yet; anything else makes the file unreadable. */
        private void failed(IOException e, String what) {
            if (!(young && cut(e))) {
                throw new InboxFileException(what + (e instanceof StreamConstraintsException ? unreadableReason(e)
                        : SegmentJson.firstLine(e.getMessage())), e);
            }
            next = null;
            finished = true;
            reading.cutEnd = true;
        }

        /** First pass, in constant memory: is it a batch envelope, and what context does it carry? */
        private boolean scanEnvelope(Path path, boolean gzip) throws IOException {
            try (InputStream scan = open(path, gzip); JsonParser envelope = fileJson.createParser(scan)) {
                JsonToken first = envelope.nextToken();
                if (first == JsonToken.START_ARRAY) {
                    return false;
                }
                if (first != JsonToken.START_OBJECT) {
                    if (first == null) {
                        throw new JsonEOFException(envelope, null, "the file is empty");
                    }
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
                        context = envelopeField(envelope, field);
                    } else if ("integrations".equals(field)) {
                        integrations = envelopeField(envelope, field);
                    } else {
                        envelope.skipChildren();
                    }
                }
                return batch;
            }
        }

        /** The batch's context or integrations: one that cannot be read makes the file unreadable (it applies to every event). */
        private JsonNode envelopeField(JsonParser envelope, String field) throws IOException {
            byte[] bytes = copyValue(envelope);
            if (bytes == null) {
                throw new InboxFileException("has a batch " + field + " larger than " + limits.maxEventBytes() + " bytes");
            }
            try {
                return json.readTree(bytes);
            } catch (NumberFormatException | StreamConstraintsException unreadable) {
                throw new InboxFileException("has a batch " + field + " that cannot be read: " + unreadableReason(unreadable), unreadable);
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
            while (next == null && !finished) {
                next = readEvent();
            }
            if (next == null && failure != null) {
                InboxFileException thrown = failure;
                failure = null;
                throw thrown;
            }
            return next != null;
        }

        /** The next event of the array, null for one handed over before; sets finished at the end. */
        private InboxEvent readEvent() {
            long before = index;
            try {
                if (parser.nextToken() == JsonToken.END_ARRAY) {
                    finished = true;
                    progress.end();
                    return null;
                }
                return nextEvent();
            } catch (IOException e) {
                if (index > before && e instanceof StreamConstraintsException beyond) {
                    // nothing more of the file can be read: the event is refused, the file fails after it
                    failure = new InboxFileException("cannot be read past event " + index + ": " + unreadableReason(beyond), beyond);
                    finished = true;
                    return index <= reading.handled ? null
                            : new InboxEvent(file, index, null, "event " + index + ": cannot be read: " + unreadableReason(beyond), null);
                }
                failed(e, "is not valid JSON after event " + before + ": ");
                return null;
            }
        }

        /** The event the parser is on: copied out, then read alone under the event limits. */
        private InboxEvent nextEvent() throws IOException {
            index++;
            if (index <= reading.handled) {
                parser.skipChildren();
                return null;
            }
            long start = parser.currentTokenLocation().getByteOffset();
            byte[] bytes = copyValue(parser);
            long size = parser.currentLocation().getByteOffset() - start;
            if (bytes == null) {
                return new InboxEvent(file, index, null, "event " + index + ": the event is larger than " + limits.maxEventBytes() + " bytes", null);
            }
            JsonNode node;
            try {
                node = json.readTree(bytes);
            } catch (NumberFormatException | StreamConstraintsException unreadable) {
                return new InboxEvent(file, index, null, "event " + index + ": cannot be read: " + unreadableReason(unreadable),
                        new String(bytes, 0, Math.min(bytes.length, 500), StandardCharsets.UTF_8));
            }
            return accept(file, index, node, size, context, integrations, "event");
        }

        @Override
        public InboxEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            InboxEvent event = next;
            next = null;
            reading.handled = event.position();
            progress.add();
            if (!inArray) {
                progress.end();
            }
            return event;
        }

        @Override
        public void close() throws IOException {
            if (parser != null) {
                parser.close();
            }
            if (in != null) {
                in.close();
            }
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
