package io.github.segmenttotango.delivery;

import org.apache.camel.http.base.HttpOperationFailedException;

import java.time.Duration;

/** How Totango's HTTP answers are read (Segment's retry policy). */
public final class TotangoAnswers {

    private final Duration window;

    /** @param window how long after its first attempt a call is still retried */
    public TotangoAnswers(Duration window) {
        this.window = window;
    }

    /**
     * Whether a failed call is tried again: it failed for a reason worth a retry (not a final 4xx)
     * and its first attempt is less than the retry window ago.
     */
    public boolean retryWhile(Exception failure, Long firstAttemptAt) {
        boolean withinWindow = firstAttemptAt == null || System.currentTimeMillis() - firstAttemptAt < window.toMillis();
        return withinWindow && !isFinal(failure);
    }

    /** 5xx except 501 and 505, 408 and 429 are worth sending again; any other status is final. */
    public static boolean isRetryable(int status) {
        return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
    }

    /** Whether a failed call is refused for good: an HTTP answer whose status is not worth a retry. */
    public static boolean isFinal(Exception failure) {
        return failure instanceof HttpOperationFailedException http && !isRetryable(http.getStatusCode());
    }
}
