package io.github.segmenttotango.ingest;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Group commit for the events queue: a request that comes while a message is on its way to disk
 * joins the next message, with the others that come meanwhile, and each request returns once the
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
 * <p>The thread of the first request of a message starts its send, in the order the messages were
 * made; the others wait for it. A message stays under {@code maxMessageBytes} (a request larger than
 * that is sent alone), so that a joined message never becomes one of the broker's slower "large"
 * messages.
 */
public final class EventsQueueWriter {

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
    /** A send is being started (or, sent one at a time, is under way). */
    private boolean starting;

    /** One message at a time, sent by the thread of its first request. */
    public EventsQueueWriter(DurableSend queue, int maxMessageBytes) {
        this((message, done) -> {
            try {
                queue.send(message);
                done.accept(null);
            } catch (Exception failed) {
                done.accept(failed);
            }
        }, maxMessageBytes, 1);
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

    /**
     * Writes the events of one request (an {@link AcceptedEvents} message, a JSON array) to the
     * queue; returns once they are on disk.
     */
    public void write(byte[] events) throws Exception {
        Batch batch;
        boolean sendsIt;
        synchronized (lock) {
            Batch last = waiting.peekLast();
            sendsIt = last == null || !last.takes(events, maxMessageBytes);
            batch = sendsIt ? new Batch() : last;
            batch.add(events);
            if (sendsIt) {
                waiting.addLast(batch);
            } else if (batch.bytes >= alongsideBytes && batch.bytes - events.length < alongsideBytes) {
                // large enough now to go beside the messages on their way: its first request may start it
                lock.notifyAll();
            }
        }
        if (sendsIt) {
            send(batch);
        }
        try {
            batch.written.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * Starts the send of a batch once the batches before it are started and fewer than
     * {@code maxInFlight} are on their way. Its requests wait for it, and so does every later batch:
     * an interrupt does not make it give up, it is passed on once the batch is started.
     */
    private void send(Batch batch) {
        boolean interrupted = false;
        synchronized (lock) {
            while (starting || waiting.peekFirst() != batch || !mayStart(batch)) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            // from here on the batch takes no more requests; one send starts at a time, in the
            // order the batches were made, so the queue takes the messages in that order
            waiting.removeFirst();
            inFlight++;
            starting = true;
        }
        try {
            queue.send(batch.message(), failure -> sent(batch, failure));
        } catch (RuntimeException failed) {
            sent(batch, failed);
        } finally {
            synchronized (lock) {
                starting = false;
                lock.notifyAll();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
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

    /** A batch's message is on disk (failure null) or was not taken: its requests go on. */
    private void sent(Batch batch, Exception failure) {
        if (failure == null) {
            batch.written.complete(null);
        } else {
            batch.written.completeExceptionally(failure);
        }
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
    }

    /** The events of requests that go in one message. */
    private static final class Batch {
        private final List<byte[]> requests = new ArrayList<>(4);
        private final CompletableFuture<Void> written = new CompletableFuture<>();
        private int bytes;

        boolean takes(byte[] events, int maxMessageBytes) {
            return bytes + events.length <= maxMessageBytes;
        }

        void add(byte[] events) {
            requests.add(events);
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
