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

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void routingGoesOnWhileNoRequestCame() {
        assertTrue(ingestFirst.mayRoute(), "a busy CPU without ingest: routing is what keeps it busy");
        assertFalse(ingestFirst.waiting());
    }

    @Test
    void routingWaitsWhileABurstKeepsTheCpuBusy() {
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute());
        assertTrue(ingestFirst.waiting());
        advance(Duration.ofMillis(150));
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute(), "requests keep coming");
    }

    @Test
    void routingGoesOnOnceTheBurstIsOver() {
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute());
        advance(Duration.ofMillis(250));
        assertTrue(ingestFirst.mayRoute(), "no request for longer than the active window");
        assertFalse(ingestFirst.waiting());
    }

    @Test
    void routingGoesOnWhenTheCpuHasRoomLeft() {
        cpu = 0.5;
        ingestFirst.ingested();
        assertTrue(ingestFirst.mayRoute(), "steady ingest on a machine with cores to spare routes at once");
    }

    @Test
    void theCpuIsReadAtMostEveryHundredMilliseconds() {
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute());
        cpu = 0.5;
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute(), "the last reading stands for 100 ms");
        advance(Duration.ofMillis(100));
        ingestFirst.ingested();
        assertTrue(ingestFirst.mayRoute());
    }

    @Test
    void aWaitEndsOnlyOnceIngestLeavesRoom() {
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute());
        cpu = 0.8;
        advance(Duration.ofMillis(100));
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute(), "a dip below 90% lets no batch through");
        cpu = 0.59;
        advance(Duration.ofMillis(100));
        ingestFirst.ingested();
        assertTrue(ingestFirst.mayRoute(), "below 60%: ingest alone leaves room");
        cpu = 0.8;
        advance(Duration.ofMillis(100));
        ingestFirst.ingested();
        assertTrue(ingestFirst.mayRoute(), "and a wait starts again only from 90%");
    }

    @Test
    void routingGoesOnOnceTheQueueHoldsTheMost() {
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute());
        queued.set(100);
        assertTrue(ingestFirst.mayRoute(), "the burst's share of the queue is used up: routing shares the CPU again");
    }

    @Test
    void routingTakesABatchAfterWaitingTheLongest() {
        for (int i = 0; i < 19; i++) {
            ingestFirst.ingested();
            assertFalse(ingestFirst.mayRoute(), "waited " + i * 100 + " ms");
            advance(Duration.ofMillis(100));
        }
        ingestFirst.ingested();
        advance(Duration.ofMillis(100));
        assertTrue(ingestFirst.mayRoute(), "2 s in a row: one batch");
        ingestFirst.ingested();
        assertFalse(ingestFirst.mayRoute(), "and the wait starts again");
    }

    @Test
    void zeroNeverWaits() {
        IngestFirst off = new IngestFirst(0, Duration.ofSeconds(2), queued::get, () -> 1.0, now::get);
        off.ingested();
        assertTrue(off.mayRoute());
    }
}
