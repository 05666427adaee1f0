package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.ingest.SegmentEvents;
import io.github.segmenttotango.ingest.SegmentJson;
import io.github.segmenttotango.mapping.SegmentToTotango;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;

/**
 * How the events of a dropped file are read and checked: each is read alone under the event limits,
 * checked and stamped as the Tracking API does; an event without a messageId gets one derived from
 * the file's name, the event's position and its content, so reading the same file again delivers
 * nothing twice.
 */
final class DroppedEvents {

    /** How deep a JSON file may nest around and inside its events before it cannot be read on at all. */
    static final int DEEPEST_FILE_NESTING = 500;

    private final IngestLimits limits;
    private final ObjectMapper json;
    /** Reads a JSON file around its events: deeper nesting, longer numbers than an event may have (see copyValue). */
    private final JsonFactory fileJson;
    private final Clock clock;

    DroppedEvents(IngestLimits limits, Clock clock) {
        this.limits = limits;
        this.json = SegmentJson.mapper(limits);
        this.fileJson = SegmentJson.mapper(new IngestLimits(limits.maxRequestBytes(), limits.maxEventBytes(), limits.maxBatchEvents(),
                DEEPEST_FILE_NESTING, limits.maxStringLength(), Math.max(limits.maxNumberLength(), limits.maxEventBytes()))).getFactory();
        this.clock = clock;
    }

    /** Reads one event (or a batch's context), under the event limits. */
    ObjectMapper json() {
        return json;
    }

    /** Reads a JSON file around its events. */
    JsonFactory fileJson() {
        return fileJson;
    }

    int maxEventBytes() {
        return limits.maxEventBytes();
    }

    /** The value the file parser is on, copied out; null when it is larger than an event may be. */
    byte[] copyValue(JsonParser parser) throws IOException {
        return JsonValues.copyValue(parser, json.getFactory(), limits.maxEventBytes());
    }

    /** Checks one parsed event and makes it ready, or says why not. */
    InboxEvent accept(String file, long position, JsonNode node, long size, JsonNode context, JsonNode integrations, String where) {
        String problem = SegmentEvents.problemOf(node, (int) Math.min(size, Integer.MAX_VALUE), limits.maxEventBytes());
        if (problem != null) {
            return new InboxEvent(file, position, null, where + " " + position + ": " + problem, node);
        }
        ObjectNode event = (ObjectNode) node;
        if (SegmentToTotango.messageIdOf(event) == null) {
            event.put("messageId", derivedMessageId(file, position, event));
        }
        SegmentEvents.prepare(event, context, integrations, SegmentEvents.Receipt.of(clock, null));
        return new InboxEvent(file, position, event, null, null);
    }

    /**
     * The messageId of an event that has none: from the file's name, the event's position and its content,
     * so that it stays the same when the file is read again, grown or not.
     */
    private String derivedMessageId(String file, long position, JsonNode event) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((file + "|" + position + "|").getBytes(StandardCharsets.UTF_8));
            byte[] hash = sha.digest(json.writeValueAsBytes(event));
            return "file-" + HexFormat.of().formatHex(hash, 0, 8) + "-" + position;
        } catch (IOException e) {
            throw new InboxFileException("event " + position + " cannot be written back: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
