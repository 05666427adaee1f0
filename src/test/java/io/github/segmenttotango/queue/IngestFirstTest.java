package io.github.segmenttotango.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestFirstTest {

    private final AtomicLong now = new AtomicLong(-5_000_000_000L);
    private final AtomicLong queued = new AtomicLong();
    private double cpu = 1.0;
    private final IngestFirst ingestFirst = new IngestFirst(100, Duration.ofSeconds(2), queued::get, () -> cpu, now::get);

    /** 100 ms pass, in which {@code atOnce} requests were written at a time on average. */
    private void interval(double atOnce) {
        long length = Duration.ofMillis(100).toNanos();
        now.addAndGet(length);
        ingestFirst.ingested((long) (atOnce * length));
    }

    /** Two readings of a busy CPU with 8 requests at once: routing waits. */
    private void burst() {
        interval(8);
        assertTrue(ingestFirst.mayRoute(), "one reading is not enough (a collection, the compiler)");
        interval(8);
        assertFalse(ingestFirst.mayRoute());
        assertTrue(ingestFirst.waiting());
    }

    @Test
    void routingGoesOnWhileNoRequestCame() {
        interval(0);
        assertTrue(ingestFirst.mayRoute());
        interval(0);
        assertTrue(ingestFirst.mayRoute(), "a busy CPU without ingest: routing is what keeps it busy");
        assertFalse(ingestFirst.waiting());
    }

    @Test
    void routingWaitsWhileABurstKeepsTheCpuBusy() {
        burst();
        interval(32);
        assertFalse(ingestFirst.mayRoute(), "requests keep coming");
        assertFalse(ingestFirst.mayRoute(), "between readings the last one stands");
    }

    @Test
    void aSteadyLoadThatKeepsTheCpuBusyWaitsForNothing() {
        for (int i = 0; i < 10; i++) {
            interval(1.5);
            assertTrue(ingestFirst.mayRoute(), "one or two requests at a time: the bundle keeps up");
        }
    }

    @Test
    void routingGoesOnOnceTheBurstIsOver() {
        burst();
        interval(1);
        assertTrue(ingestFirst.mayRoute(), "fewer than two requests at once");
        assertFalse(ingestFirst.waiting());
    }

    @Test
    void routingGoesOnWhenTheCpuHasRoomLeft() {
        cpu = 0.55;
        interval(8);
        ingestFirst.mayRoute();
        interval(8);
        assertTrue(ingestFirst.mayRoute(), "many requests on a machine with cores to spare: nothing waits");
    }

    @Test
    void aWaitEndsOnlyOnceIngestLeavesRoom() {
        burst();
        cpu = 0.5;
        interval(8);
        assertFalse(ingestFirst.mayRoute(), "a dip below 60% lets no batch through");
        cpu = 0.39;
        interval(8);
        assertTrue(ingestFirst.mayRoute(), "below 40%: ingest alone leaves room");
        cpu = 0.5;
        interval(8);
        assertTrue(ingestFirst.mayRoute(), "and a wait starts again only from 60%, twice");
    }

    @Test
    void aMomentOfBusyCpuStartsNoWait() {
        interval(8);
        assertTrue(ingestFirst.mayRoute());
        cpu = 0.55;
        interval(8);
        assertTrue(ingestFirst.mayRoute());
        cpu = 1.0;
        interval(8);
        assertTrue(ingestFirst.mayRoute(), "the count starts again");
    }

    @Test
    void routingGoesOnOnceTheQueueHoldsTheMost() {
        burst();
        queued.set(100);
        assertTrue(ingestFirst.mayRoute(), "the burst's share of the queue is used up: routing shares the CPU again");
    }

    @Test
    void routingTakesABatchAfterWaitingTheLongest() {
        burst();
        for (int i = 1; i < 20; i++) {
            interval(8);
            assertFalse(ingestFirst.mayRoute(), "waited " + i * 100 + " ms");
        }
        interval(8);
        assertTrue(ingestFirst.mayRoute(), "2 s in a row: one batch");
        interval(8);
        assertFalse(ingestFirst.mayRoute(), "and the wait starts again");
    }

    @Test
    void zeroNeverWaits() {
        IngestFirst off = new IngestFirst(0, Duration.ofSeconds(2), queued::get, () -> 1.0, now::get);
        for (int i = 0; i < 3; i++) {
            now.addAndGet(Duration.ofMillis(100).toNanos());
            off.ingested(Duration.ofMillis(800).toNanos());
            assertTrue(off.mayRoute());
        }
    }
}
