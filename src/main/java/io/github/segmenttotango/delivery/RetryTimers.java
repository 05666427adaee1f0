package io.github.segmenttotango.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The timers of the delivery's waits: a call's next attempt (the delivery route's error handler
 * schedules it here instead of holding a thread asleep), a call held back by the rate limit, a
 * message delivered again. A stop does not wait for them: {@link #fireAllNow()} runs every pending
 * one at once, and the delivery, seeing the bundle stop, puts its message back on the queue.
 */
public final class RetryTimers extends ScheduledThreadPoolExecutor {

    private static final AtomicInteger THREADS = new AtomicInteger();

    public RetryTimers(int threads) {
        super(threads, task -> {
            Thread thread = new Thread(task, "delivery-timer-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        setRemoveOnCancelPolicy(true);
    }

    /** Runs every pending timer now; returns how many there were. */
    public int fireAllNow() {
        List<Runnable> due = new ArrayList<>();
        for (Runnable task : getQueue().toArray(new Runnable[0])) {
            if (task instanceof RunnableScheduledFuture<?> timer && !timer.isPeriodic() && getQueue().remove(task)) {
                due.add(task);
            }
        }
        due.forEach(this::execute);
        return due.size();
    }
}
