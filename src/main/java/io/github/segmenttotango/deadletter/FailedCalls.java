package io.github.segmenttotango.deadletter;

import io.github.segmenttotango.delivery.TotangoAnswers;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.state.DeadLetter;

import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Turns a Totango call that failed for good into a dead letter, with Totango's answer when there was
 * one: {@code totango_4xx} for a final answer, {@code retries_exhausted} for the rest.
 */
final class FailedCalls {

    private static final int MAX_EXCERPT = 500;

    private FailedCalls() {
    }

    static DeadLetter.Builder of(TotangoCall call, Exception failure, Integer attempts, Long firstAttemptAt) {
        DeadLetter.Builder letter;
        if (failure instanceof HttpOperationFailedException http) {
            boolean retryable = TotangoAnswers.isRetryable(http.getStatusCode());
            letter = DeadLetter.call(retryable ? "retries_exhausted" : "totango_4xx", "Totango answered " + http.getStatusCode())
                    .answer(http.getStatusCode(), excerpt(http.getResponseBody()));
        } else {
            letter = DeadLetter.call("retries_exhausted", failure == null ? "unknown failure"
                    : failure.getClass().getSimpleName() + ": " + excerpt(failure.getMessage()));
        }
        return letter.messageId(call.messageId()).userId(call.userId()).payload(call).attempts(attempts)
                .firstFailureAt(firstAttemptAt);
    }

    private static String excerpt(String text) {
        return text == null || text.length() <= MAX_EXCERPT ? text : text.substring(0, MAX_EXCERPT) + "...";
    }
}
