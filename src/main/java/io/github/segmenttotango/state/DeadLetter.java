package io.github.segmenttotango.state;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One event (or Totango call) that was not delivered, with why: what an operator sees and replays.
 *
 * @param kind        {@link #EVENT} or {@link #CALL}: set by the store, never read from the payload (an event
 *                    cannot pass itself off as a call and be sent to Totango unmapped when replayed)
 * @param reason      {@code invalid_event}, {@code no_account}, {@code totango_4xx}, {@code retries_exhausted}, ...
 * @param detail      the reason in words
 * @param payload     the original Segment event, or the Totango call that failed
 * @param status      Totango's HTTP status, when there was an answer
 * @param response    the start of Totango's answer, when there was one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(String id, String kind, String reason, String detail, String messageId, String userId, String type,
        Object payload, Integer status, String response, Integer attempts, String firstFailureAt,
        String lastFailureAt, String source) {

    /** A Segment event (refused, or valid but undeliverable): replayed through the checks and the mapping. */
    public static final String EVENT = "event";
    /** A Totango call that failed: replayed as the call it was. */
    public static final String CALL = "call";

    /** Whether this holds a Totango call. */
    public boolean holdsCall() {
        return CALL.equals(kind);
    }
}
