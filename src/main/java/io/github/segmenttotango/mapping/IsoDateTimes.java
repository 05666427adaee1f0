package io.github.segmenttotango.mapping;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 date-times, read and written on every event at ingest (each event's {@code timestamp}
 * and {@code sentAt} are checked, then corrected for the client's clock): the form Segment's libraries
 * send ({@code 2024-03-01T10:20:30.123Z}, or with an offset {@code +02:00}) is read and written
 * digit by digit; any other text goes to {@link OffsetDateTime#parse}, which has the last word, so
 * the result is always the one Java's ISO formatter gives. The formatter costs a map, a copy of it
 * and a handful of objects per date; with two dates read and up to three written per event, that was
 * a tenth of the Tracking API's work on the event loop.
 */
public final class IsoDateTimes {

    /** As {@link TotangoDates}: ISO-8601 UTC with milliseconds. */
    private static final DateTimeFormatter OUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years written as four digits. */
    private static final long FIRST_FOUR_DIGIT_SECOND = -62_135_596_800L;
    private static final long LAST_FOUR_DIGIT_SECOND = 253_402_300_799L;

    private IsoDateTimes() {
    }

    /** The date-time of an ISO-8601 text with offset, as {@link OffsetDateTime#parse} reads it; null when it is not one. */
    public static OffsetDateTime parse(String text) {
        if (text == null) {
            return null;
        }
        OffsetDateTime common = common(text);
        if (common != null) {
            return common;
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException notIso) {
            return null;
        }
    }

    /** {@code yyyy-MM-dd'T'HH:mm:ss.SSS'Z'} in UTC, as {@link TotangoDates#format}. */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_FOUR_DIGIT_SECOND || seconds > LAST_FOUR_DIGIT_SECOND) {
            return OUT.format(instant);
        }
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, instant.getNano(), ZoneOffset.UTC);
        byte[] out = new byte[24];
        digits(out, 0, t.getYear(), 4);
        out[4] = '-';
        digits(out, 5, t.getMonthValue(), 2);
        out[7] = '-';
        digits(out, 8, t.getDayOfMonth(), 2);
        out[10] = 'T';
        digits(out, 11, t.getHour(), 2);
        out[13] = ':';
        digits(out, 14, t.getMinute(), 2);
        out[16] = ':';
        digits(out, 17, t.getSecond(), 2);
        out[19] = '.';
        digits(out, 20, t.getNano() / 1_000_000, 3);
        out[23] = 'Z';
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static void digits(byte[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * {@code yyyy-MM-dd'T'HH:mm:ss[.fraction](Z|+HH:MM|-HH:MM)}, read without the formatter; null
     * for any other text, or a date that does not exist (the full parse then decides).
     */
    static OffsetDateTime common(String text) {
        int length = text.length();
        if (length < 20 || length > 35) {
            return null;
        }
        int year = number(text, 0, 4);
        int month = number(text, 5, 2);
        int day = number(text, 8, 2);
        int hour = number(text, 11, 2);
        int minute = number(text, 14, 2);
        int second = number(text, 17, 2);
        char t = text.charAt(10);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || text.charAt(4) != '-'
                || text.charAt(7) != '-' || (t != 'T' && t != 't') || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int at = 19;
        int nanos = 0;
        if (text.charAt(at) == '.') {
            int digits = 0;
            at++;
            while (at < length && isDigit(text.charAt(at))) {
                if (++digits > 9) {
                    return null;
                }
                nanos = nanos * 10 + (text.charAt(at) - '0');
                at++;
            }
            if (digits == 0) {
                return null;
            }
            for (int i = digits; i < 9; i++) {
                nanos *= 10;
            }
        }
        ZoneOffset offset = offset(text, at);
        if (offset == null) {
            return null;
        }
        try {
            return OffsetDateTime.of(year, month, day, hour, minute, second, nanos, offset);
        } catch (DateTimeException noSuchDate) {
            return null;
        }
    }

    /** {@code Z} (or {@code z}), or {@code +HH:MM} / {@code -HH:MM}, ending the text at {@code at}. */
    private static ZoneOffset offset(String text, int at) {
        int left = text.length() - at;
        if (left != 1 && left != 6) {
            return null;
        }
        if (left == 1) {
            char z = text.charAt(at);
            return z == 'Z' || z == 'z' ? ZoneOffset.UTC : null;
        }
        char sign = text.charAt(at);
        if ((sign != '+' && sign != '-') || text.charAt(at + 3) != ':') {
            return null;
        }
        int hours = number(text, at + 1, 2);
        int minutes = number(text, at + 4, 2);
        if (hours < 0 || minutes < 0) {
            return null;
        }
        // beyond ±18:00, or minutes past 59: not an offset
        try {
            return sign == '+' ? ZoneOffset.ofHoursMinutes(hours, minutes) : ZoneOffset.ofHoursMinutes(-hours, -minutes);
        } catch (DateTimeException outOfRange) {
            return null;
        }
    }

    /** The number of {@code width} ASCII digits at {@code at}, or -1. */
    private static int number(String text, int at, int width) {
        int value = 0;
        for (int i = at; i < at + width; i++) {
            char c = text.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
