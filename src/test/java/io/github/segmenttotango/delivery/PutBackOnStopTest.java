package io.github.segmenttotango.delivery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The messageId of a call put back, as its log line shows it: one line, bounded. */
class PutBackOnStopTest {

    @Test
    void aMessageIdFromInputCannotBreakTheLogLine() {
        assertEquals("ab?c?d?e", PutBackOnStop.oneLine("ab\nc\rd\u2028e"));
        assertEquals("(none)", PutBackOnStop.oneLine(null));
        assertEquals("x".repeat(100) + "...", PutBackOnStop.oneLine("x".repeat(500)));
        assertEquals("m-1", PutBackOnStop.oneLine("m-1"));
    }
}
