package io.github.segmenttotango.ingest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueuedEventsRetryTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final QueuedEventsRetry retry = new QueuedEventsRetry(Duration.ofSeconds(1), Duration.ofSeconds(5), now::get);

    @Test
    void dueUntilAFailureThenOnlyOnceItsDelayHasPassed() {
        assertTrue(retry.isDue());
        assertEquals(Duration.ofSeconds(1), retry.failed(new IllegalStateException("state database away")));
        assertFalse(retry.isDue());
        advance(Duration.ofMillis(999));
        assertFalse(retry.isDue());
        advance(Duration.ofMillis(1));
        assertTrue(retry.isDue());
    }

    @Test
    void theDelayDoublesUpToTheLongestAndASuccessResetsIt() {
        Exception failure = new IllegalStateException("away");
        assertEquals(Duration.ofSeconds(1), retry.failed(failure));
        assertEquals(Duration.ofSeconds(2), retry.failed(failure));
        assertEquals(Duration.ofSeconds(4), retry.failed(failure));
        assertEquals(Duration.ofSeconds(5), retry.failed(failure));
        assertEquals(Duration.ofSeconds(5), retry.failed(failure));
        retry.succeeded();
        assertTrue(retry.isDue());
        assertEquals(Duration.ofSeconds(1), retry.failed(failure));
    }

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }
}
