package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

import io.github.segmenttotango.mapping.TotangoDates;

import static io.github.segmenttotango.mapping.SegmentToTotango.text;

/** What the Tracking API adds to every event it accepts, as Segment does. */
public final class SegmentEvents {

    private SegmentEvents() {
    }

    static String now(Clock clock) {
        return TotangoDates.format(clock.instant());
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
    static void stamp(ObjectNode event, String receivedAt, String batchSentAt) {
        if (text(event.get("messageId")) == null) {
            event.put("messageId", "api-" + UUID.randomUUID());
        }
        event.put("receivedAt", receivedAt);
        String sentAt = text(event.get("sentAt"));
        if (sentAt == null) {
            sentAt = batchSentAt;
        }
        Instant received = Instant.parse(receivedAt);
        Instant original = instant(text(event.get("timestamp")));
        Instant sent = instant(sentAt);
        if (original == null) {
            event.put("timestamp", receivedAt);
            return;
        }
        event.put("originalTimestamp", TotangoDates.format(original));
        if (sent != null) {
            event.put("sentAt", TotangoDates.format(sent));
            event.put("timestamp", TotangoDates.format(received.minusMillis(sent.toEpochMilli() - original.toEpochMilli())));
        }
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notIso) {
            return null;
        }
    }
}
