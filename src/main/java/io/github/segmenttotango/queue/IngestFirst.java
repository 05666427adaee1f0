package io.github.segmenttotango.queue;

import com.sun.management.OperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Ingest first: while a burst of requests keeps the machine's CPU busy, the routing of queued events
 * waits, and with it the delivery of their calls, so that the burst is taken at the speed of the
 * request path and the disk instead of sharing the cores with the work behind it (which, for each
 * request, costs more than the request itself). What the burst leaves on the events queue is routed
 * once it is over.
 *
 * <p>A burst is told from a steady load by how many requests wait on the bundle at once: clients
 * sending as fast as they are answered keep several waiting (one per connection), while a steady
 * load that the bundle keeps up with, even one that keeps a small machine busy, has one or two
 * waiting at a time. Each reading, every 100 ms, takes the CPU load and the average number of
 * requests that were being written meanwhile (Little's law: the time they took, over the time
 * passed). Two readings in a row with the CPU at {@value #BUSY_CPU} or more and
 * {@value #BURST_REQUESTS} or more requests at once start a wait; it lasts while the CPU stays at
 * {@value #ROOM_CPU} or more and requests keep coming at least {@value #STAYING_REQUESTS} at once.
 *
 * <p>Also bounded: never once {@code maxQueued} messages wait on the events queue (routing then
 * shares the cores again), and never longer than {@code maxWait} in a row, after which one batch is
 * routed. Called by one thread, the routing's; {@link #ingested} by any.
 */
public final class IngestFirst {

    /**
     * The share of the machine's CPU in use from which ingest may be short of it. Not near 100%: a
     * burst over a few connections waits on the disk as much as on the CPU, and leaves the cores a
     * third idle, which routing and delivery then took, their commits sharing the disk's syncs with
     * the requests' (424 µs of CPU a request of 10 events over 8 connections, against about 280 without them).
     */
    static final double BUSY_CPU = 0.6;
    /**
     * Below this share, ingest alone leaves room: routing waits no more. Lower than {@link #BUSY_CPU},
     * so that a moment's dip of a busy machine does not let a batch through (whose routing and delivery
     * take the cores for a while after, the very thing the wait is for).
     */
    static final double ROOM_CPU = 0.4;
    /** Requests at once, on average over a reading, from which a busy CPU is a burst's. */
    static final double BURST_REQUESTS = 4;
    /** Requests at once below which a burst is over. */
    static final double STAYING_REQUESTS = 2;
    /** The CPU load and the requests at once are read at most this often. */
    static final long READING_NANOS = Duration.ofMillis(100).toNanos();

    private final long maxQueued;
    private final long maxWaitNanos;
    private final LongSupplier queued;
    private final DoubleSupplier cpuLoad;
    private final LongSupplier clock;
    /** The time the requests written so far took, all added up. */
    private final LongAdder requestNanos = new LongAdder();
    private volatile boolean waiting;
    private long waitingSince;
    private long readAt;
    private long requestNanosAtRead;
    private boolean busy;
    /** Readings in a row that found a burst. */
    private int burstReadings;

    /**
     * @param maxQueued messages on the events queue from which routing no longer waits; 0: it never waits
     * @param maxWait   the longest routing waits in a row
     * @param queued    the messages waiting on the events queue
     * @param cpuLoad   the machine's CPU in use since the last reading, 0 to 1 (negative: unknown)
     * @param clock     nanoseconds, {@link System#nanoTime()}
     */
    public IngestFirst(long maxQueued, Duration maxWait, LongSupplier queued, DoubleSupplier cpuLoad, LongSupplier clock) {
        this.maxQueued = maxQueued;
        this.maxWaitNanos = maxWait.toNanos();
        this.queued = queued;
        this.cpuLoad = cpuLoad;
        this.clock = clock;
        this.readAt = clock.getAsLong();
    }

    /** The machine's CPU load as the JVM reads it (the container's, in a container). */
    public static DoubleSupplier machineCpuLoad() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean machine ? machine::getCpuLoad : () -> -1;
    }

    /** A request's (or a file chunk's) events were written, which took this long from when it was read. */
    public void ingested(long tookNanos) {
        requestNanos.add(Math.max(0, tookNanos));
    }

    /** Whether routing waits now (a gauge: 1 while it does). */
    public boolean waiting() {
        return waiting;
    }

    /** Whether the routing of queued events may take its next batch now. */
    public boolean mayRoute() {
        long now = clock.getAsLong();
        read(now);
        boolean wait = maxQueued > 0 && busy && queued.getAsLong() < maxQueued;
        if (!wait) {
            waiting = false;
            return true;
        }
        if (!waiting) {
            waiting = true;
            waitingSince = now;
        }
        if (now - waitingSince >= maxWaitNanos) {
            // one batch now; the wait, if the burst goes on, starts again after it
            waiting = false;
            return true;
        }
        return false;
    }

    private void read(long now) {
        long passed = now - readAt;
        if (passed < READING_NANOS) {
            return;
        }
        long total = requestNanos.sum();
        double atOnce = (double) (total - requestNanosAtRead) / passed;
        double cpu = cpuLoad.getAsDouble();
        readAt = now;
        requestNanosAtRead = total;
        burstReadings = cpu >= BUSY_CPU && atOnce >= BURST_REQUESTS ? burstReadings + 1 : 0;
        busy = waiting ? cpu >= ROOM_CPU && atOnce >= STAYING_REQUESTS : burstReadings >= 2;
    }
}
