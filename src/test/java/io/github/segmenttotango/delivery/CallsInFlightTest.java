package io.github.segmenttotango.delivery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallsInFlightTest {

    private final AtomicLong now = new AtomicLong();
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    private CallsInFlight calls(int max) {
        return new CallsInFlight(max, 0, 1000, timers, now::get);
    }

    @Test
    void callsBeyondTheLimitWaitInLineAndGoWhenAPlaceFrees() {
        CallsInFlight calls = calls(2);
        List<String> sent = new ArrayList<>();
        for (String call : List.of("a", "b", "c", "d")) {
            calls.whenPlaceFree(() -> sent.add(call), refused -> sent.add("refused " + call));
        }
        assertEquals(List.of("a", "b"), sent);
        assertEquals(2, calls.waiting());
        calls.answered(false);
        assertEquals(List.of("a", "b", "c"), sent, "the first in line goes");
        calls.answered(false);
        calls.answered(false);
        calls.answered(false);
        assertEquals(List.of("a", "b", "c", "d"), sent);
        assertEquals(0, calls.inFlight());
    }

    @Test
    void overloadHalvesTheLimitOncePerIntervalAndSuccessGrowsItBack() {
        CallsInFlight calls = calls(64);
        for (int i = 0; i < 64; i++) {
            calls.whenPlaceFree(() -> { }, refused -> { });
        }
        // 64 calls fail together: one signal, one halving
        for (int i = 0; i < 64; i++) {
            calls.answered(true);
        }
        assertEquals(32, calls.limit());
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1000));
        calls.whenPlaceFree(() -> { }, refused -> { });
        calls.answered(true);
        assertEquals(16, calls.limit(), "a second later, Totango still overloaded: halved again");
        // about one more per round trip: 17 answers at a limit of 16 add one (each adds 1 / limit)
        for (int i = 0; i < 17; i++) {
            calls.whenPlaceFree(() -> { }, refused -> { });
            calls.answered(false);
        }
        assertEquals(17, calls.limit());
        for (int i = 0; i < 10_000; i++) {
            calls.whenPlaceFree(() -> { }, refused -> { });
            calls.answered(false);
        }
        assertEquals(64, calls.limit(), "never above the maximum");
    }

    @Test
    void theLimitNeverGoesBelowOneAndTheLineKeepsItsOrder() {
        CallsInFlight calls = calls(4);
        List<Integer> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int call = i;
            calls.whenPlaceFree(() -> sent.add(call), refused -> { });
        }
        for (int i = 0; i < 3; i++) {
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
            calls.answered(true);
        }
        assertEquals(1, calls.limit(), "4, 2, 1, and not below");
        assertEquals(List.of(0, 1, 2, 3), sent, "no call goes while as many as the limit are in flight");
        calls.answered(true);
        assertEquals(List.of(0, 1, 2, 3, 4), sent, "the last answer lets the first waiting call go");
        calls.whenPlaceFree(() -> sent.add(99), refused -> { });
        assertEquals(List.of(0, 1, 2, 3, 4), sent, "a new call waits behind those in line");
        assertEquals(6, calls.waiting());
    }

    @Test
    void closingRefusesTheWaitingCallsAndLaterOnes() {
        CallsInFlight calls = calls(1);
        List<String> outcome = new ArrayList<>();
        calls.whenPlaceFree(() -> outcome.add("sent a"), refused -> outcome.add("refused a"));
        calls.whenPlaceFree(() -> outcome.add("sent b"), refused -> outcome.add("refused b"));
        calls.close();
        calls.whenPlaceFree(() -> outcome.add("sent c"), refused -> outcome.add("refused c"));
        assertEquals(List.of("sent a", "refused b", "refused c"), outcome);
    }

    @Test
    void theRateSpacesCallsEvenly() throws Exception {
        CallsInFlight calls = new CallsInFlight(100, 50, 1000, timers);
        List<Long> sentAt = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            calls.whenPlaceFree(() -> sentAt.add(System.nanoTime() - start), refused -> { });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sentAt.size() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(10, sentAt.size());
        // 50 a second: the tenth call 9 x 20 ms after the first
        assertTrue(sentAt.get(9) >= TimeUnit.MILLISECONDS.toNanos(175), "the tenth call went at " + sentAt.get(9) / 1_000_000 + " ms");
    }
}
