package io.github.segmenttotango.state;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * One event (or Totango call) that was not delivered, with why: what an operator sees and replays.
 * Made with {@link #event} or {@link #call}, then {@link Builder#build}.
 *
 * @param kind        {@link #EVENT} or {@link #CALL}: set by the bundle, never read from the payload (an event
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

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS").withZone(ZoneOffset.UTC);
    /** Times as the letters show them, as Totango's dates are written. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** Whether this holds a Totango call. */
    public boolean holdsCall() {
        return CALL.equals(kind);
    }

    /** A letter for a Segment event. */
    public static Builder event(String reason, String detail) {
        return new Builder(EVENT, reason, detail);
    }

    /** A letter for a Totango call. */
    public static Builder call(String reason, String detail) {
        return new Builder(CALL, reason, detail);
    }

    /** A letter being made: the fields not given stay out of its JSON. */
    public static final class Builder {

        private final String kind;
        private final String reason;
        private String detail;
        private String messageId;
        private String userId;
        private String type;
        private Object payload;
        private Integer status;
        private String response;
        private Integer attempts;
        private Instant firstFailureAt;
        private String source;

        private Builder(String kind, String reason, String detail) {
            this.kind = kind;
            this.reason = reason;
            this.detail = detail;
        }

        public Builder messageId(String messageId) {
            this.messageId = messageId;
            return this;
        }

        public Builder userId(String userId) {
            this.userId = userId;
            return this;
        }

        public Builder type(String type) {
            this.type = type;
            return this;
        }

        public Builder payload(Object payload) {
            this.payload = payload;
            return this;
        }

        /** Totango's answer: its status and the start of its body. */
        public Builder answer(Integer status, String response) {
            this.status = status;
            this.response = response;
            return this;
        }

        public Builder attempts(Integer attempts) {
            this.attempts = attempts;
            return this;
        }

        /** When the first attempt failed, if earlier than the letter (epoch milliseconds; null: now). */
        public Builder firstFailureAt(Long epochMillis) {
            this.firstFailureAt = epochMillis == null ? null : Instant.ofEpochMilli(epochMillis);
            return this;
        }

        /** Where the event came from: {@code http}, {@code inbox:<file>}, {@code events-queue}, ... */
        public Builder source(String source) {
            this.source = source;
            return this;
        }

        /** Whether this keeps input the bundle refused ({@code invalid_event}) with its body. */
        public boolean refusedInputWithBody() {
            return EVENT.equals(kind) && "invalid_event".equals(reason) && payload != null;
        }

        /** Leaves the body out, saying why in the detail. */
        public Builder withoutPayload(String why) {
            this.payload = null;
            this.detail = detail + " (" + why + ")";
            return this;
        }

        /** The letter, kept at {@code now}: its id starts with that time, so ids sort oldest first. */
        public DeadLetter build(Instant now) {
            String id = ID_TIME.format(now) + "-" + UUID.randomUUID().toString().substring(0, 8);
            String last = TIME.format(now);
            String first = firstFailureAt == null ? last : TIME.format(firstFailureAt);
            return new DeadLetter(id, kind, reason, detail, messageId, userId, type, payload, status, response, attempts,
                    first, last, source);
        }
    }
}
