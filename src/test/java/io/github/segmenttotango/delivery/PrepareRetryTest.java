package io.github.segmenttotango.delivery;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Totango's Retry-After, read without overflow: never a negative delay, whatever Totango says. */
class PrepareRetryTest {

    @Test
    void secondsAndDatesBecomeMillisecondsNeverNegative() {
        assertEquals(120_000L, PrepareRetry.retryAfterMillis(" 120 "));
        assertEquals(0L, PrepareRetry.retryAfterMillis("0"));
        assertEquals(Long.MAX_VALUE, PrepareRetry.retryAfterMillis("9999999999999999"), "saturates (the retry window caps it)");
        assertEquals(Long.MAX_VALUE, PrepareRetry.retryAfterMillis("9".repeat(40)));
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusMinutes(1));
        long date = PrepareRetry.retryAfterMillis(inAMinute);
        assertTrue(date > 50_000 && date <= 60_000, String.valueOf(date));
        assertEquals(0L, PrepareRetry.retryAfterMillis("Mon, 01 Jan 1990 00:00:00 GMT"), "a date in the past: at once");
        assertNull(PrepareRetry.retryAfterMillis("-5"));
        assertNull(PrepareRetry.retryAfterMillis("soon"));
        assertNull(PrepareRetry.retryAfterMillis("Fri, 31 Dec 999999999 23:59:59 GMT"));
    }
}
