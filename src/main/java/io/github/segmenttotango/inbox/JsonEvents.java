package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;

import io.github.segmenttotango.ingest.SegmentJson;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The events of a JSON file (one event, an array of events, or a {@code {"batch":[...]}} envelope), read
 * one at a time by a lenient parser that copies each event out, to be read alone under the event limits.
 */
final class JsonEvents implements Iterator<InboxEvent>, Closeable {
    private final DroppedEvents events;
    private final String file;
    private final FileReading reading;
    private final boolean young;
    private final ReadProgress progress;
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

    JsonEvents(DroppedEvents events, String file, FileReading reading, boolean young, Path path, boolean gzip) {
        this.events = events;
        this.file = file;
        this.reading = reading;
        this.young = young;
        this.progress = new ReadProgress(file);
        try {
            boolean batch = scanEnvelope(path, gzip);
            in = FileReading.open(path, gzip);
            parser = events.fileJson().createParser(in);
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
        if (!(young && JsonValues.cut(e))) {
            throw new InboxFileException(what + (e instanceof StreamConstraintsException ? JsonValues.unreadableReason(e)
                    : SegmentJson.firstLine(e.getMessage())), e);
        }
        next = null;
        finished = true;
        reading.cutEnd = true;
    }

    /** First pass, in constant memory: is it a batch envelope, and what context does it carry? */
    private boolean scanEnvelope(Path path, boolean gzip) throws IOException {
        try (InputStream scan = FileReading.open(path, gzip); JsonParser envelope = events.fileJson().createParser(scan)) {
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
        byte[] bytes = events.copyValue(envelope);
        if (bytes == null) {
            throw new InboxFileException("has a batch " + field + " larger than " + events.maxEventBytes() + " bytes");
        }
        try {
            return events.json().readTree(bytes);
        } catch (NumberFormatException | StreamConstraintsException unreadable) {
            throw new InboxFileException("has a batch " + field + " that cannot be read: " + JsonValues.unreadableReason(unreadable), unreadable);
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
                failure = new InboxFileException("cannot be read past event " + index + ": " + JsonValues.unreadableReason(beyond), beyond);
                finished = true;
                return index <= reading.handled ? null
                        : new InboxEvent(file, index, null, "event " + index + ": cannot be read: " + JsonValues.unreadableReason(beyond), null);
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
        byte[] bytes = events.copyValue(parser);
        long size = parser.currentLocation().getByteOffset() - start;
        if (bytes == null) {
            return new InboxEvent(file, index, null, "event " + index + ": the event is larger than " + events.maxEventBytes() + " bytes", null);
        }
        JsonNode node;
        try {
            node = events.json().readTree(bytes);
        } catch (NumberFormatException | StreamConstraintsException unreadable) {
            return new InboxEvent(file, index, null, "event " + index + ": cannot be read: " + JsonValues.unreadableReason(unreadable),
                    new String(bytes, 0, Math.min(bytes.length, 500), StandardCharsets.UTF_8));
        }
        return events.accept(file, index, node, size, context, integrations, "event");
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
