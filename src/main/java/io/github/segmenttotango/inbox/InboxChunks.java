package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Groups the events of a file into chunks of up to {@value #CHUNK_SIZE}, in file order; closing it closes
 * the file. When the file fails after some events of a chunk, that chunk still goes, and the failure
 * comes after it.
 *
 * <p>Kept rather than Camel's grouping, because the Splitter groups only tokens of text (the tokenize
 * language's {@code group}), not an iterator of parsed events, and its {@code GroupIterator} drops a
 * partly read group when the source fails; a split per event with an {@code aggregate} of 100 would
 * make an exchange per event and hand the chunks over on another thread.
 */
final class InboxChunks implements Iterator<InboxChunk>, Closeable {

    /** Events per chunk: a chunk is one message of the events queue, on disk before the next is read. */
    static final int CHUNK_SIZE = 100;

    private final Iterator<InboxEvent> events;
    private RuntimeException failure;

    InboxChunks(Iterator<InboxEvent> events) {
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

    /** The events of an empty file: none. */
    static final class NoEvents implements Iterator<InboxEvent>, Closeable {
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
}
