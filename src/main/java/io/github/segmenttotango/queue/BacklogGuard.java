package io.github.segmenttotango.queue;

import io.github.segmenttotango.ingest.IngestException;

import org.apache.camel.Processor;

import java.util.function.Supplier;

/**
 * Back-pressure instead of accept-then-drop: while {@code maxBacklog} or more wait (Totango calls on
 * the delivery queue, and requests or file chunks on the events queue, counted together), or once
 * the bundle is stopping, or while the data disk ({@link DataDiskSpace}) or the events queue itself
 * ({@code delivery.queue.max-bytes}) is full, HTTP ingest answers
 * 503 (with Retry-After) and the file drop waits; the routing of queued events waits while the delivery
 * queue alone is full.
 */
public final class BacklogGuard {

    private final EmbeddedQueueBroker broker;
    private final String deliveryQueue;
    private final String eventsQueue;
    private final long maxBacklog;
    private final DataDiskSpace disk;

    /**
     * @param broker the embedded broker
     * @param deliveryQueue the queue of Totango calls on it, or null when the delivery queue is elsewhere
     *     (Kafka, a shared broker: then its backlog is not counted)
     * @param eventsQueue the queue of accepted events on it
     */
    public BacklogGuard(EmbeddedQueueBroker broker, String deliveryQueue, String eventsQueue, long maxBacklog, DataDiskSpace disk) {
        this.broker = broker;
        this.disk = disk;
        this.deliveryQueue = deliveryQueue;
        this.eventsQueue = eventsQueue;
        this.maxBacklog = maxBacklog;
    }

    /** Totango calls waiting for delivery. */
    public long backlog() {
        return count(deliveryQueue);
    }

    /** Requests and file chunks whose events wait to be routed. */
    public long queuedRequests() {
        return count(eventsQueue);
    }

    /** Whether the embedded events queue takes no more messages (never in cluster mode, which has none). */
    private boolean eventsQueueFull() {
        return broker != null && broker.full(eventsQueue);
    }

    private long count(String queue) {
        return queue == null ? 0 : broker.backlog(queue);
    }

    private volatile boolean stopping;
    /** Why the queue ingest writes to cannot be reached now (Kafka, in cluster mode), or null while it can. */
    private volatile Supplier<String> unreachable = () -> null;

    /** Ingest is also refused (503 queue_unavailable) while {@code why} answers a reason; the file drop waits. */
    public void refuseWhile(Supplier<String> why) {
        this.unreachable = why;
    }

    /** From now on ingest answers 503: the bundle is stopping. */
    public void stopping() {
        stopping = true;
    }

    /** Refuses a request with 503 while the backlog or the data disk is full, or the bundle is stopping. */
    public void check() {
        if (stopping) {
            throw new IngestException(503, "shutting_down", "The bundle is stopping; send again in a moment");
        }
        if (unreachable.get() != null) {
            throw new IngestException(503, "queue_unavailable", "The events queue cannot be reached now (Kafka); send again later");
        }
        if (disk.full() != null) {
            throw new IngestException(503, "disk_full", "The bundle's data disk is full: events cannot be stored; send again later");
        }
        if (eventsQueueFull()) {
            // refused here, before the request is read, rather than by the broker at the send
            throw new IngestException(503, "queue_unavailable", "The events queue is full (delivery.queue.max-bytes):"
                    + " events cannot be stored now; send again later");
        }
        long calls = backlog();
        long requests = queuedRequests();
        if (calls + requests >= maxBacklog) {
            throw new IngestException(503, "backlog_full", "Totango deliveries are " + calls + " calls and "
                    + requests + " requests behind; send again later");
        }
    }

    /** {@link #check} as a route step, without bean binding per request. */
    public Processor checks() {
        return exchange -> check();
    }

    /** Waits (the file drop's thread) until the backlog and the data disk have room again. */
    public void awaitRoom() throws InterruptedException {
        while (backlog() + queuedRequests() >= maxBacklog || disk.full() != null || unreachable.get() != null
                || eventsQueueFull()) {
            Thread.sleep(500);
        }
    }

    /** Waits (the routing of queued events) while the delivery queue is full; gives up when the bundle stops. */
    public void awaitDeliveryRoom() throws InterruptedException {
        while (backlog() >= maxBacklog) {
            if (stopping) {
                throw new IllegalStateException("the bundle is stopping; the events stay queued");
            }
            Thread.sleep(500);
        }
    }
}
