package io.github.segmenttotango.queue;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Ingest first: while clients keep the machine's CPU busy, the routing of queued events waits, and
 * with it the delivery of their calls, so that a burst is taken at the speed of the request path and
 * the disk instead of sharing the cores with the work behind it (which, for each request, costs more
 * than the request itself). What the burst leaves on the events queue is routed once it is over.
 *
 * <p>The wait is bounded three ways: it happens only while requests (or dropped files' chunks) keep
 * coming and the CPU is nearly all used (from {@value #BUSY_CPU} of the whole machine's, until it falls
 * below {@value #ROOM_CPU}); never once
 * {@code maxQueued} messages wait on the events queue; and never longer than {@code maxWait} in a row,
 * after which one batch is routed. On a machine with cores to spare nothing waits.
 *
 * <p>Called by one thread, the routing's; {@link #ingested} by any.
 */
public final class IngestFirst {

    /** The share of the machine's CPU in use from which ingest is taken to be short of it: routing starts to wait. */
    static final double BUSY_CPU = 0.9;
    /**
     * Below this share, ingest alone leaves room: routing waits no more. Lower than {@link #BUSY_CPU},
     * so that a moment's dip of a busy machine does not let a batch through (whose routing and delivery
     * take the cores for a while after, the very thing the wait is for).
     */
    static final double ROOM_CPU = 0.6;
    /** Ingest is under way while a request came within this. */
    static final long ACTIVE_NANOS = Duration.ofMillis(200).toNanos();
    /** The CPU load is read at most this often. */
    static final long CPU_SAMPLE_NANOS = Duration.ofMillis(100).toNanos();

    private final long maxQueued;
    private final long maxWaitNanos;
    private final LongSupplier queued;
    private final DoubleSupplier cpuLoad;
    private final LongSupplier clock;
    private volatile long lastIngest;
    private volatile boolean waiting;
    private long waitingSince;
    private long cpuReadAt;
    private double cpu;

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
        // nanoTime may be any number: "long ago" is measured from now
        long start = clock.getAsLong();
        this.lastIngest = start - ACTIVE_NANOS;
        this.cpuReadAt = start - CPU_SAMPLE_NANOS;
    }

    /** The machine's CPU load as the JVM reads it (the container's, in a container). */
    public static DoubleSupplier machineCpuLoad() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean machine ? machine::getCpuLoad : () -> -1;
    }

    /** A request's (or a chunk's) events are being queued. */
    public void ingested() {
        lastIngest = clock.getAsLong();
    }

    /** Whether routing waits now (a gauge: 1 while it does). */
    public boolean waiting() {
        return waiting;
    }

    /** Whether the routing of queued events may take its next batch now. */
    public boolean mayRoute() {
        long now = clock.getAsLong();
        boolean wait = maxQueued > 0 && now - lastIngest < ACTIVE_NANOS && cpuAtLeast(now, waiting ? ROOM_CPU : BUSY_CPU)
                && queued.getAsLong() < maxQueued;
        if (!wait) {
            waiting = false;
            return true;
        }
        if (!waiting) {
            waiting = true;
            waitingSince = now;
        }
        if (now - waitingSince >= maxWaitNanos) {
            // one batch now; the wait, if the CPU is still short, starts again after it
            waiting = false;
            return true;
        }
        return false;
    }

    private boolean cpuAtLeast(long now, double share) {
        if (now - cpuReadAt >= CPU_SAMPLE_NANOS) {
            cpuReadAt = now;
            cpu = cpuLoad.getAsDouble();
        }
        return cpu >= share;
    }
}
