package io.github.segmenttotango.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as settings write them: {@code 200ms}, {@code 1s}, {@code 5m}, {@code 4h}, {@code 30d}. */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)\\s*");

    private Durations() {
    }

    public static Duration parse(String setting, String text) {
        Matcher match = text == null ? null : DURATION.matcher(text);
        if (match == null || !match.matches()) {
            throw new IllegalArgumentException(setting + " must be a duration such as 200ms, 1s, 5m, 4h or 30d, not '" + text + "'");
        }
        long amount = Long.parseLong(match.group(1));
        return switch (match.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
