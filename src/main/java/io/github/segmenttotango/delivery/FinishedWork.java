package io.github.segmenttotango.delivery;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the delivery route is finished with, left by its threads for the reader's own thread (the only
 * one that may acknowledge a JMS message or commit a Kafka offset), which waits for it between reads.
 */
final class FinishedWork<T> {

    private final Queue<T> finished = new ConcurrentLinkedQueue<>();

    void add(T work) {
        finished.add(work);
    }

    /** Wakes the reader if it waits for finished work. */
    void signal() {
        synchronized (finished) {
            finished.notifyAll();
        }
    }

    /** The next finished work, or null. */
    T poll() {
        return finished.poll();
    }

    /** Waits up to {@code millis} for finished work, unless some is already there. */
    void await(long millis) {
        synchronized (finished) {
            if (finished.isEmpty()) {
                try {
                    finished.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** The reader's pause before it tries again after a failure. */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
