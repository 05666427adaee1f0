package io.github.segmenttotango.mapping;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Dates as Totango wants them: ISO-8601 UTC with milliseconds ({@code 2024-03-01T10:20:30.000Z}).
 *
 * <p>Accepts ISO-8601 date-times with or without offset and fraction, date-only strings and (for
 * fields known to hold dates) epoch milliseconds. Anything else is not a date.
 */
public final class TotangoDates {

    /** Cheap pre-check so ordinary strings never pay for a parse attempt. */
    private static final Pattern LOOKS_LIKE_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}([Tt ].*)?");
    /** Epoch milliseconds between 1970 and 2100. */
    private static final long MAX_EPOCH_MILLIS = 4_102_444_800_000L;

    private TotangoDates() {
    }

    public static String format(Instant instant) {
        return IsoDateTimes.format(instant);
    }

    /** The ISO-8601 text of a string that is a date, or empty when it is not one. */
    public static Optional<String> fromText(String text) {
        if (text == null || text.length() < 10 || text.length() > 40 || !LOOKS_LIKE_DATE.matcher(text).matches()) {
            return Optional.empty();
        }
        String iso = text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11)
                : text;
        try {
            if (iso.length() == 10) {
                return Optional.of(format(LocalDate.parse(iso).atStartOfDay(ZoneOffset.UTC).toInstant()));
            }
            OffsetDateTime withOffset = IsoDateTimes.parse(iso);
            return Optional.of(format(withOffset != null ? withOffset.toInstant() : LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC)));
        } catch (DateTimeParseException notADate) {
            return Optional.empty();
        }
    }

    /** The ISO-8601 text of epoch milliseconds, or empty when the number is out of a plausible range. */
    public static Optional<String> fromEpochMillis(long millis) {
        if (millis < 0 || millis > MAX_EPOCH_MILLIS) {
            return Optional.empty();
        }
        return Optional.of(format(Instant.ofEpochMilli(millis)));
    }
}
