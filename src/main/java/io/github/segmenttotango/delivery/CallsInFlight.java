package io.github.segmenttotango.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Good manners towards Totango: how many calls may be waiting for Totango's answer at once, and how
 * many may start per second. A call takes a place before it is sent and gives it back with Totango's
 * answer; a call that finds no place waits in line, without a thread, and is sent when one frees.
 *
 * <p>The limit adapts (additive increase, multiplicative decrease, as TCP does): an answer that says
 * Totango is overloaded or away (429, 5xx, a timeout, a refused connection) halves it, at most once per
 * {@code decreaseInterval} (the calls in flight together when Totango went down count as one signal),
 * down to 1; every answer otherwise adds {@code 1 / limit}, so it grows by about one per round trip
 * back to {@code max}. When Totango comes back after an outage, the calls waiting go out at the pace the
 * limit grows, not all at once.
 *
 * <p>An optional rate: at most {@code perSecond} calls start per second, evenly spaced (0: no rate).
 */
public final class CallsInFlight {

    private final int max;
    private final long spacingNanos;
    private final long decreaseIntervalNanos;
    private final ScheduledExecutorService timers;
    private final LongSupplier nanoTime;
    private final Queue<Waiter> waiting = new ArrayDeque<>();
    private double limit;
    private int inFlight;
    private long lastDecrease;
    private long nextStart;
    private boolean closed;

    /**
     * @param max              the most calls in flight (and where the limit starts)
     * @param perSecond        the most calls started per second; 0 for no rate
     * @param decreaseInterval the least time between two halvings, in milliseconds
     * @param timers           runs the calls the rate holds back, when their time comes
     */
    public CallsInFlight(int max, int perSecond, long decreaseInterval, ScheduledExecutorService timers) {
        this(max, perSecond, decreaseInterval, timers, System::nanoTime);
    }

    CallsInFlight(int max, int perSecond, long decreaseInterval, ScheduledExecutorService timers, LongSupplier nanoTime) {
        if (max < 1) {
            throw new IllegalArgumentException("totango.max-in-flight must be at least 1, was " + max);
        }
        if (perSecond < 0) {
            throw new IllegalArgumentException("totango.max-calls-per-second must be 0 (no rate) or more, was " + perSecond);
        }
        this.max = max;
        this.limit = max;
        this.spacingNanos = perSecond == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.decreaseIntervalNanos = TimeUnit.MILLISECONDS.toNanos(decreaseInterval);
        this.timers = timers;
        this.nanoTime = nanoTime;
        this.lastDecrease = nanoTime.getAsLong() - decreaseIntervalNanos;
        this.nextStart = nanoTime.getAsLong();
    }

    /**
     * Runs {@code send} once the call has a place (at once when there is one, else when a call before
     * it gives its place back), on the thread that frees the place or on a timer; the call must then
     * give its place back with {@link #answered}. Fails {@code refused} instead, at once or while
     * waiting, once the bundle stops.
     */
    public void whenPlaceFree(Runnable send, Consumer<RuntimeException> refused) {
        synchronized (this) {
            if (closed) {
                refused.accept(stopping());
                return;
            }
            if (inFlight >= (int) limit || !waiting.isEmpty()) {
                waiting.add(new Waiter(send, refused));
                return;
            }
            inFlight++;
        }
        startAtRate(send);
    }

    private record Waiter(Runnable send, Consumer<RuntimeException> refused) {
    }

    private void startAtRate(Runnable send) {
        if (spacingNanos == 0) {
            send.run();
            return;
        }
        long delay;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            long at = Math.max(now, nextStart);
            nextStart = at + spacingNanos;
            delay = at - now;
        }
        if (delay <= 0) {
            send.run();
        } else {
            timers.schedule(send, delay, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Gives a call's place back with what Totango said: {@code overloaded} when Totango answered 429 or
     * 5xx, timed out or could not be reached; then lets the waiting calls go, as many as the limit allows.
     */
    public void answered(boolean overloaded) {
        List<Waiter> next = new ArrayList<>(1);
        synchronized (this) {
            inFlight--;
            long now = nanoTime.getAsLong();
            if (overloaded) {
                if (now - lastDecrease >= decreaseIntervalNanos) {
                    limit = Math.max(1, limit / 2);
                    lastDecrease = now;
                }
            } else if (limit < max) {
                limit = Math.min(max, limit + 1 / limit);
            }
            while (!waiting.isEmpty() && inFlight < (int) limit) {
                next.add(waiting.poll());
                inFlight++;
            }
        }
        next.forEach(waiter -> startAtRate(waiter.send()));
    }

    /** The bundle stops: the calls waiting for a place, and any asking later, are refused at once. */
    public void close() {
        Queue<Waiter> refused;
        synchronized (this) {
            closed = true;
            refused = new ArrayDeque<>(waiting);
            waiting.clear();
        }
        refused.forEach(waiter -> waiter.refused().accept(stopping()));
    }

    private static RuntimeException stopping() {
        return new RejectedExecutionException("The bundle is stopping: the call is not sent");
    }

    /** The current limit of calls in flight. */
    public synchronized int limit() {
        return (int) limit;
    }

    /** Calls sent and not answered yet. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /** Calls waiting for a place. */
    public synchronized int waiting() {
        return waiting.size();
    }
}
