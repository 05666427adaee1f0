package io.github.segmenttotango.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Group commit for the events queue: a request that comes while a message is on its way to disk
 * joins the next message, with the others that come meanwhile, and each request is answered once the
 * message that holds its events is on disk (or fails with the send's exception, and is then refused
 * whole: nothing of it was taken).
 *
 * <p>A durable send costs the broker about the same whatever its size (a round of its threads and a
 * disk sync), so with several clients at once the broker's share of ingest falls. So the next
 * message goes beside those on their way (up to {@code maxInFlight} at once, the broker's journal
 * syncing those that wait together once) only when it holds half of {@code maxMessageBytes}: a
 * smaller one waits for the one before and takes the requests that come meanwhile. A request that
 * comes while no message is on its way is sent at once: nothing waits for a timer.
 *
 * <p>No thread waits for its turn: a message is started by the thread that makes it startable (the
 * request that comes while nothing is on its way or that fills it to half, or the confirmation of the
 * message before), one at a time and in the order the messages were made. {@link #write(byte[], Consumer)}
 * returns at once and calls back once the message is on disk, so that an HTTP request can be answered
 * from Vert.x's event loop without a thread blocked on it; {@link #write(byte[])} waits. A message stays
 * under {@code maxMessageBytes} (a request larger than that is sent alone), so that a joined message
 * never becomes one of the broker's slower "large" messages.
 */
public final class EventsQueueWriter {

    private static final Logger LOG = LoggerFactory.getLogger(EventsQueueWriter.class);

    /** Sends one message and returns once it is on disk; throws when it is not taken. */
    @FunctionalInterface
    public interface DurableSend {
        void send(byte[] message) throws Exception;
    }

    /**
     * Starts sending one message and returns; calls {@code done} with null once it is on disk, or
     * with the failure. Called by one thread at a time, in the order the messages must be taken.
     */
    @FunctionalInterface
    public interface AsyncDurableSend {
        void send(byte[] message, Consumer<? super Exception> done);
    }

    private final AsyncDurableSend queue;
    private final int maxMessageBytes;
    private final int maxInFlight;
    /** The bytes from which a message may go while others are on their way. */
    private final int alongsideBytes;
    private final Object lock = new Object();
    /** Messages not sent yet, oldest first; only the last one takes more requests. */
    private final ArrayDeque<Batch> waiting = new ArrayDeque<>();
    private int inFlight;
    /** A thread is starting sends: the others leave the next ones to it. */
    private boolean starting;

    /**
     * One message at a time, each sent on {@code sender} (one thread, whose owner shuts it down), so
     * that {@link #write(byte[], Consumer)} does not wait for a blocking send either.
     */
    public EventsQueueWriter(DurableSend queue, Executor sender, int maxMessageBytes) {
        this(blockingOn(sender, queue), maxMessageBytes, 1);
    }

    /** Up to {@code maxInFlight} messages on their way to disk at once, the second and later ones half full at least. */
    public EventsQueueWriter(AsyncDurableSend queue, int maxMessageBytes, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1");
        }
        this.queue = queue;
        this.maxMessageBytes = maxMessageBytes;
        this.maxInFlight = maxInFlight;
        this.alongsideBytes = maxMessageBytes / 2;
    }

    private static AsyncDurableSend blockingOn(Executor sender, DurableSend queue) {
        return (message, done) -> sender.execute(() -> {
            try {
                queue.send(message);
            } catch (Exception failed) {
                done.accept(failed);
                return;
            }
            done.accept(null);
        });
    }

    /**
     * Writes the events of one request (an {@link AcceptedEvents} message, a JSON array) to the
     * queue; returns once they are on disk. An interrupt does not make it give up (its events may be
     * on their way): it is passed on once they are written or refused.
     */
    public void write(byte[] events) throws Exception {
        CompletableFuture<Void> written = new CompletableFuture<>();
        write(events, failure -> {
            if (failure == null) {
                written.complete(null);
            } else {
                written.completeExceptionally(failure);
            }
        });
        try {
            written.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * Writes the events of one request to the queue and returns at once; {@code done} is called with
     * null once they are on disk, or with the send's exception (on the thread that learnt it: a
     * broker's, or the caller's).
     */
    public void write(byte[] events, Consumer<? super Exception> done) {
        synchronized (lock) {
            Batch last = waiting.peekLast();
            Batch batch = last == null || !last.takes(events, maxMessageBytes) ? new Batch() : last;
            if (batch != last) {
                waiting.addLast(batch);
            }
            batch.add(events, done);
        }
        startSends();
    }

    /**
     * Starts the sends that may go now, oldest first, one thread at a time: a thread that finds another
     * starting leaves its batch to it, which looks again before it stops.
     */
    private void startSends() {
        while (true) {
            Batch next;
            synchronized (lock) {
                next = starting ? null : waiting.peekFirst();
                if (next == null || !mayStart(next)) {
                    return;
                }
                // from here on the batch takes no more requests; one send starts at a time, in the
                // order the batches were made, so the queue takes the messages in that order
                waiting.removeFirst();
                inFlight++;
                starting = true;
            }
            try {
                queue.send(next.message(), failure -> sent(next, failure));
            } catch (RuntimeException failed) {
                sent(next, failed);
            } finally {
                synchronized (lock) {
                    starting = false;
                }
            }
        }
    }

    /**
     * Whether a batch may go now (under the lock): at once when no message is on its way; beside
     * others, up to {@code maxInFlight}, only once it holds {@link #alongsideBytes}, since a message
     * costs the broker about the same whatever its size: a small one gains more by taking the requests
     * that come meanwhile than by going on its own.
     */
    private boolean mayStart(Batch batch) {
        return inFlight == 0 || (inFlight < maxInFlight && batch.bytes >= alongsideBytes);
    }

    /** A batch's message is on disk (failure null) or was not taken: the next may go, its requests go on. */
    private void sent(Batch batch, Exception failure) {
        synchronized (lock) {
            inFlight--;
        }
        startSends();
        for (Consumer<? super Exception> done : batch.dones) {
            try {
                done.accept(failure);
            } catch (RuntimeException unexpected) {
                // one request's answer failed: the others of the message are still answered
                LOG.warn("Could not answer a request whose events were {}: {}", failure == null ? "written" : "refused",
                        unexpected.toString());
            }
        }
    }

    /** The events of requests that go in one message, and who to tell once it is written. */
    private static final class Batch {
        private final List<byte[]> requests = new ArrayList<>(4);
        private final List<Consumer<? super Exception>> dones = new ArrayList<>(4);
        private int bytes;

        boolean takes(byte[] events, int maxMessageBytes) {
            return bytes + events.length <= maxMessageBytes;
        }

        void add(byte[] events, Consumer<? super Exception> done) {
            requests.add(events);
            dones.add(done);
            bytes += events.length;
        }

        /** One JSON array of all the events, in the order the requests joined. */
        byte[] message() {
            if (requests.size() == 1) {
                return requests.get(0);
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream(bytes);
            joined.write('[');
            boolean first = true;
            for (byte[] array : requests) {
                // the elements of the array, without its brackets ("[]" has none)
                if (array.length > 2) {
                    if (!first) {
                        joined.write(',');
                    }
                    joined.write(array, 1, array.length - 2);
                    first = false;
                }
            }
            joined.write(']');
            return joined.toByteArray();
        }
    }
}
