package io.github.segmenttotango.delivery;

import io.github.segmenttotango.metrics.BundleMetrics;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Runs each time a Totango call fails, before Camel decides on a retry: counts the attempt in the
 * exchange property {@code deliveryAttempts}, and when Totango said {@code Retry-After} (429, 503)
 * makes that the delay of the next attempt, even when it is longer than the backoff's longest delay
 * (capped at the retry window).
 */
public class PrepareRetry implements Processor {

    public static final String ATTEMPTS = "deliveryAttempts";

    private final Duration window;
    private final BundleMetrics metrics;

    public PrepareRetry(Duration window, BundleMetrics metrics) {
        this.window = window;
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(ATTEMPTS, exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1);
        Exception failure = exchange.getException();
        if (!TotangoAnswers.isFinal(failure)) {
            metrics.retried();
        }
        if (failure instanceof HttpOperationFailedException http && http.getResponseHeaders() != null) {
            String retryAfter = http.getResponseHeaders().entrySet().stream()
                    .filter(header -> header.getKey().equalsIgnoreCase("Retry-After"))
                    .map(header -> header.getValue()).findFirst().orElse(null);
            Long delay = retryAfterMillis(retryAfter);
            if (delay != null) {
                exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, Math.min(delay, window.toMillis()));
            } else {
                exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
            }
        }
    }

    /** Retry-After in milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
    static Long retryAfterMillis(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        if (text.matches("\\d{1,40}")) {
            // delta-seconds; saturates instead of overflowing into a negative delay (the window caps it)
            return text.length() > 15 ? Long.MAX_VALUE : Long.parseLong(text) * 1000;
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
            return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
        } catch (DateTimeParseException | ArithmeticException notADate) {
            return null;
        }
    }
}
