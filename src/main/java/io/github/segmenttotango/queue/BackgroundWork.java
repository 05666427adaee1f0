package io.github.segmenttotango.queue;

/**
 * The routing of queued events and the delivery to Totango run behind ingest: their threads take the
 * lowest priority, so that on a busy machine the operating system runs the threads that answer
 * clients (and the queue's own threads, which their answers wait for) first, and routing and delivery
 * use the time those leave. On an idle machine nothing changes; under a burst, requests are answered
 * as fast as the queue takes them and the backlog is worked off behind them.
 *
 * <p>The JVM passes thread priorities to Linux only when started with
 * {@code -XX:ThreadPriorityPolicy=1 -XX:JavaPriority1_To_OSPriority=19} (the lowest priority is then
 * nice 19; lowering a priority needs no privilege), as {@code make run}, the Dockerfile and the
 * systemd unit do; without them this changes nothing.
 */
public final class BackgroundWork {

    private BackgroundWork() {
    }

    /** Gives the calling thread (a reader's or a consumer's, kept for the bundle's life) the lowest priority. */
    public static void runsBehindIngest() {
        Thread thread = Thread.currentThread();
        if (thread.getPriority() != Thread.MIN_PRIORITY) {
            thread.setPriority(Thread.MIN_PRIORITY);
        }
    }
}
