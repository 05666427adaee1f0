package io.github.segmenttotango.ingest;

import io.github.segmenttotango.util.RootCause;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * When the routing of queued events fails (the state database away, the delivery queue refusing),
 * its taking is rolled back, so the events stay at the head of the queue, in order, and it is tried
 * again after a growing delay (doubled from {@code first} up to {@code longest}), for as long as it
 * takes; the first success resets the delay. Each failure is one warning, with the time of the next
 * attempt.
 *
 * <p>The routing's timer keeps ticking meanwhile: a tick before the next attempt is due does
 * nothing, so a stopping bundle is never held up by a wait.
 */
public final class QueuedEventsRetry {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedEventsRetry.class);

    private final long firstNanos;
    private final long longestNanos;
    private final LongSupplier nanoTime;
    private long delayNanos;
    private long dueAt;
    private boolean failing;

    public QueuedEventsRetry(Duration first, Duration longest) {
        this(first, longest, System::nanoTime);
    }

    QueuedEventsRetry(Duration first, Duration longest, LongSupplier nanoTime) {
        this.firstNanos = first.toNanos();
        this.longestNanos = longest.toNanos();
        this.nanoTime = nanoTime;
        this.delayNanos = firstNanos;
    }

    /** Whether the routing may run now: always, unless it failed and its next attempt is not due yet. */
    public synchronized boolean isDue() {
        return !failing || nanoTime.getAsLong() - dueAt >= 0;
    }

    /** The routing failed: the next attempt waits the delay, which doubles after each failure up to {@code longest}. */
    public synchronized Duration failed(Exception cause) {
        Duration wait = Duration.ofNanos(delayNanos);
        dueAt = nanoTime.getAsLong() + delayNanos;
        failing = true;
        delayNanos = Math.min(longestNanos, delayNanos * 2);
        LOG.warn("Routing queued events failed, they stay queued in order and are routed again in {} s: {}",
                wait.toMillis() / 1000.0, RootCause.messageOf(cause));
        return wait;
    }

    /** The routing ran: the next failure waits the first delay again. */
    public synchronized void succeeded() {
        if (failing) {
            LOG.info("Routing queued events works again");
        }
        failing = false;
        delayNanos = firstNanos;
    }
}
