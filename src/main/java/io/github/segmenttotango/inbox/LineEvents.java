package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;

import io.github.segmenttotango.ingest.SegmentJson;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** The events of an NDJSON file ({@code .ndjson}, {@code .jsonl}), one a line, read one at a time. */
final class LineEvents implements Iterator<InboxEvent>, Closeable {
    private final DroppedEvents events;
    private final String file;
    private final FileReading reading;
    private final boolean young;
    private final InputStream in;
    private final ReadProgress progress;
    private long line;
    private InboxEvent next;
    private boolean finished;

    LineEvents(DroppedEvents events, String file, FileReading reading, boolean young, InputStream in) {
        this.events = events;
        this.file = file;
        this.reading = reading;
        this.young = young;
        this.in = in;
        this.progress = new ReadProgress(file);
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
                if (size <= events.maxEventBytes() && !handedOver) {
                    buffer.write(b);
                }
            }
        } catch (IOException e) {
            if (!(young && JsonValues.cut(e))) {
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
        if (size > events.maxEventBytes()) {
            if (finished && young) {
                return cutEnd();
            }
            return new InboxEvent(file, line, null, "line " + line + ": the event is larger than " + events.maxEventBytes()
                    + " bytes", text.substring(0, Math.min(200, text.length())));
        }
        JsonNode node;
        try {
            node = events.json().readTree(text);
        } catch (NumberFormatException | StreamConstraintsException unreadable) {
            return new InboxEvent(file, line, null, "line " + line + ": cannot be read: " + JsonValues.unreadableReason(unreadable),
                    text.substring(0, Math.min(500, text.length())));
        } catch (IOException notJson) {
            if (finished && young) {
                return cutEnd();
            }
            return new InboxEvent(file, line, null, "line " + line + ": not valid JSON: "
                    + SegmentJson.firstLine(notJson.getMessage()), text.substring(0, Math.min(500, text.length())));
        }
        return events.accept(file, line, node, size, null, null, "line");
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
