package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import io.github.segmenttotango.mapping.IsoDateTimes;
import io.github.segmenttotango.mapping.TotangoDates;

import static io.github.segmenttotango.mapping.SegmentToTotango.text;

/** What the Tracking API adds to every event it accepts, as Segment does. */
public final class SegmentEvents {

    private SegmentEvents() {
    }

    static final List<String> TYPES = List.of("identify", "group", "track", "page", "screen", "alias");
    private static final int MAX_MESSAGE_ID = 100;

    public static String now(Clock clock) {
        return TotangoDates.format(clock.instant());
    }

    /**
     * When a request (or a dropped file's event) was received, and the {@code sentAt} of its batch:
     * read once per request, not once per event.
     */
    public record Receipt(String receivedAt, Instant received, Instant batchSent) {

        public static Receipt of(Clock clock, String batchSentAt) {
            Instant received = clock.instant();
            return new Receipt(TotangoDates.format(received), received, instant(batchSentAt));
        }
    }

    /** Why an event cannot be taken, or null when it can. */
    public static String problemOf(JsonNode event, int size, int maxEventBytes) {
        if (!event.isObject()) {
            return "an event must be a JSON object";
        }
        if (size > maxEventBytes) {
            return "the event is larger than " + maxEventBytes + " bytes";
        }
        String type = text(event.get("type"));
        if (type == null) {
            return "the event has no type";
        }
        if (!TYPES.contains(type)) {
            return "unknown type '" + SegmentRequestReader.truncate(type, 40) + "' (expected one of " + String.join(", ", TYPES) + ")";
        }
        if (text(event.get("userId")) == null && text(event.get("anonymousId")) == null) {
            return "the " + type + " event has neither userId nor anonymousId";
        }
        String messageId = text(event.get("messageId"));
        if (messageId != null && messageId.length() > MAX_MESSAGE_ID) {
            return "messageId is longer than " + MAX_MESSAGE_ID + " characters";
        }
        for (String field : DATE_FIELDS) {
            if (outOfRange(text(event.get(field)))) {
                return field + " is out of range (years 0001 to 9999)";
            }
        }
        if (type.equals("group") && text(event.get("groupId")) == null) {
            return "the group event has no groupId";
        }
        if (type.equals("alias") && text(event.get("previousId")) == null) {
            return "the alias event has no previousId";
        }
        return null;
    }

    /**
     * Makes a valid event ready for the pipeline, as Segment does: drops its write key, fills in the
     * batch's {@code context} and {@code integrations}, and stamps it (see {@link #stamp}).
     */
    public static void prepare(ObjectNode event, JsonNode batchContext, JsonNode batchIntegrations, Receipt receipt) {
        event.remove("writeKey");
        mergeMissing(event, "context", batchContext);
        mergeMissing(event, "integrations", batchIntegrations);
        stamp(event, receipt);
    }

    /**
     * Makes a valid event that Segment forwards (a Webhooks destination) ready for the pipeline: as
     * {@link #prepare}, but Segment has stamped it already, so its {@code messageId}, {@code receivedAt}
     * and {@code timestamp} (clock-corrected by Segment) are kept; only what is missing is filled in.
     * Correcting the timestamp again would move it by the time Segment took to forward the event.
     */
    public static void prepareForwarded(ObjectNode event, JsonNode batchContext, JsonNode batchIntegrations, Receipt receipt) {
        if (text(event.get("receivedAt")) == null || text(event.get("timestamp")) == null) {
            prepare(event, batchContext, batchIntegrations, receipt);
            return;
        }
        event.remove("writeKey");
        mergeMissing(event, "context", batchContext);
        mergeMissing(event, "integrations", batchIntegrations);
        if (text(event.get("messageId")) == null) {
            event.put("messageId", "api-" + UUID.randomUUID());
        }
    }

    /** Copies each field of the batch-level {@code from} object that the event's own object lacks. */
    static void mergeMissing(ObjectNode event, String field, JsonNode from) {
        if (from == null || !from.isObject() || from.isEmpty()) {
            return;
        }
        JsonNode own = event.get(field);
        if (own != null && !own.isObject()) {
            return;
        }
        ObjectNode target = own == null ? event.putObject(field) : (ObjectNode) own;
        from.fields().forEachRemaining(entry -> {
            if (!target.has(entry.getKey())) {
                target.set(entry.getKey(), entry.getValue().deepCopy());
            }
        });
    }

    /**
     * Gives the event a {@code messageId} when it has none, {@code receivedAt}, and Segment's clock-skew
     * correction: {@code timestamp = receivedAt - (sentAt - originalTimestamp)} when {@code sentAt} is known.
     */
    static void stamp(ObjectNode event, Receipt receipt) {
        if (text(event.get("messageId")) == null) {
            event.put("messageId", "api-" + UUID.randomUUID());
        }
        event.put("receivedAt", receipt.receivedAt());
        String ownSentAt = text(event.get("sentAt"));
        Instant original = instant(text(event.get("timestamp")));
        if (original == null) {
            event.put("timestamp", receipt.receivedAt());
            return;
        }
        Instant sent = ownSentAt == null ? receipt.batchSent() : instant(ownSentAt);
        event.put("originalTimestamp", TotangoDates.format(original));
        if (sent != null) {
            event.put("sentAt", TotangoDates.format(sent));
            event.put("timestamp", TotangoDates.format(receipt.received().minusMillis(sent.toEpochMilli() - original.toEpochMilli())));
        }
    }

    /** The dates of an event that the clock correction reads. */
    private static final List<String> DATE_FIELDS = List.of("timestamp", "sentAt", "originalTimestamp");

    /** The instant of an ISO-8601 date-time with offset; null when the text is not one, or out of range. */
    private static Instant instant(String text) {
        OffsetDateTime date = IsoDateTimes.parse(text);
        return date == null || outOfRange(date) ? null : date.toInstant();
    }

    /** Whether a text is an ISO-8601 date-time outside the years 0001 to 9999 (which no arithmetic on it survives). */
    private static boolean outOfRange(String text) {
        OffsetDateTime date = IsoDateTimes.parse(text);
        return date != null && outOfRange(date);
    }

    private static boolean outOfRange(OffsetDateTime date) {
        return date.getYear() < 1 || date.getYear() > 9999;
    }
}
