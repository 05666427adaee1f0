package io.github.segmenttotango.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.inbox.InboxEvent;
import io.github.segmenttotango.ingest.SegmentRequest;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.state.DeadLetter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns the input the bundle refused into dead letters (reason {@code invalid_event}, or
 * {@code unreadable_message}): the events of a request or of a dropped file refused alone, and a
 * message of the events queue that holds no events.
 */
final class RefusedEvents {

    /** What a dead letter keeps of a refused event: at most its first 32 KB, never a write key. */
    static final int MAX_REFUSED_BYTES = 32 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private RefusedEvents() {
    }

    /** The letters of the events a request refused alone. */
    static List<DeadLetter.Builder> of(SegmentRequest request, String source) {
        return request.rejected().stream().map(rejected -> {
            JsonNode event = rejected.event() instanceof JsonNode node ? node : null;
            return DeadLetter.event(rejected.reason(), "event " + rejected.index() + ": " + rejected.detail())
                    .messageId(rejected.messageId())
                    .userId(event == null ? null : SegmentToTotango.userOf(event))
                    .type(event == null ? null : SegmentToTotango.text(event.get("type")))
                    .payload(kept(rejected.event()))
                    .source(source);
        }).toList();
    }

    /** The letter of an event of a dropped file that was refused alone. */
    static DeadLetter.Builder of(InboxEvent rejected) {
        JsonNode event = rejected.payload();
        return DeadLetter.event("invalid_event", rejected.problem())
                .messageId(event == null ? null : SegmentToTotango.messageIdOf(event))
                .userId(event == null ? null : SegmentToTotango.userOf(event))
                .type(event == null ? null : SegmentToTotango.callType(event))
                .payload(kept(event != null ? event : rejected.raw()))
                .source("inbox:" + rejected.file());
    }

    /** The letter of a message of the events queue that does not hold events (only a hand-made one can be). */
    static DeadLetter.Builder unreadableMessage(byte[] message, String detail) {
        return DeadLetter.event("unreadable_message", detail)
                .payload(message == null ? "" : new String(message, StandardCharsets.UTF_8))
                .source("events-queue");
    }

    /**
     * A refused event as it is kept: without its {@code writeKey} (as valid events are), and when its
     * JSON text is over {@link #MAX_REFUSED_BYTES}, only that much of it, as text.
     */
    static Object kept(Object event) {
        Object kept = event;
        if (event instanceof ObjectNode object && object.has("writeKey")) {
            kept = object.deepCopy().without("writeKey");
        }
        String text;
        try {
            text = kept instanceof String raw ? raw : JSON.writeValueAsString(kept);
        } catch (IOException unwritable) {
            return null;
        }
        if (text.length() <= MAX_REFUSED_BYTES) {
            return kept;
        }
        return text.substring(0, MAX_REFUSED_BYTES);
    }
}
