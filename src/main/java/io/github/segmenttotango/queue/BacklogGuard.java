package io.github.segmenttotango.queue;

import io.github.segmenttotango.ingest.IngestException;

/**
 * Back-pressure instead of accept-then-drop: while the delivery queue holds {@code maxBacklog}
 * calls or more, or once the bundle is stopping, HTTP ingest answers 503 (with Retry-After) and the
 * file drop waits.
 */
public final class BacklogGuard {

    private final EmbeddedQueueBroker broker;
    private final String queue;
    private final long maxBacklog;

    /** @param broker the embedded broker, or null when the queue is elsewhere (then there is no check) */
    public BacklogGuard(EmbeddedQueueBroker broker, String queue, long maxBacklog) {
        this.broker = broker;
        this.queue = queue;
        this.maxBacklog = maxBacklog;
    }

    public long backlog() {
        return broker == null ? 0 : broker.backlog(queue);
    }

    private volatile boolean stopping;

    /** From now on ingest answers 503: the bundle is stopping. */
    public void stopping() {
        stopping = true;
    }

    /** Refuses a request with 503 while the backlog is full or the bundle is stopping. */
    public void check() {
        if (stopping) {
            throw new IngestException(503, "shutting_down", "The bundle is stopping; send again in a moment");
        }
        long backlog = backlog();
        if (backlog >= maxBacklog) {
            throw new IngestException(503, "backlog_full", "Totango deliveries are " + backlog
                    + " calls behind; send again later");
        }
    }

    /** Waits (the file drop's thread) until the backlog has room again. */
    public void awaitRoom() throws InterruptedException {
        while (backlog() >= maxBacklog) {
            Thread.sleep(500);
        }
    }
}
