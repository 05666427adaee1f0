package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The JSON of a request's body as {@link SegmentRequestReader} takes it: one event, a batch envelope
 * or an array of events, read with bounded depth and size, each event with its size as sent. JSON
 * that cannot be read refuses the request with an {@link IngestException}; an event holding a number
 * out of range is marked unreadable alone.
 */
final class RequestJson {

    private final ObjectMapper json;
    private final int maxBatchEvents;

    RequestJson(ObjectMapper json, int maxBatchEvents) {
        this.json = json;
        this.maxBatchEvents = maxBatchEvents;
    }

    /** The first byte of a body that is not JSON whitespace, or -1. */
    static int firstByte(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b;
            }
        }
        return -1;
    }

    /**
     * The request's top-level object and its events, each with its size as sent and, for an event
     * that could not even be read (a number out of range), why: null for the others.
     */
    record Parsed(ObjectNode envelope, List<JsonNode> events, List<Integer> sizes, List<String> unreadable, boolean batch) {
    }

    Parsed single(byte[] bytes, String type) {
        JsonNode node = parse(() -> json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(bytes));
        if (node == null || !node.isObject()) {
            throw IngestException.badRequest("invalid_shape", "The body must be a JSON object (one " + (type == null ? "" : type + " ") + "event)");
        }
        ObjectNode event = (ObjectNode) node;
        if (type != null) {
            event.put("type", type);
        }
        return new Parsed(event, List.of(event), List.of(bytes.length), Collections.singletonList(null), false);
    }

    /** Whether a body is a batch envelope (a preview takes a batch or one event with its own type). */
    boolean isBatch(byte[] bytes) {
        JsonNode node = parse(() -> json.readTree(bytes));
        return node != null && node.has("batch");
    }

    Parsed batch(byte[] bytes) {
        return parse(() -> {
            try (JsonParser parser = json.createParser(bytes)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw IngestException.badRequest("invalid_shape", "The body must be a JSON object with a batch array");
                }
                ObjectNode envelope = json.createObjectNode();
                List<JsonNode> events = null;
                List<Integer> sizes = new ArrayList<>();
                List<String> unreadable = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("batch".equals(field) && value == JsonToken.START_ARRAY) {
                        events = new ArrayList<>();
                        readEvents(parser, events, sizes, unreadable);
                    } else if ("batch".equals(field)) {
                        throw IngestException.badRequest("invalid_shape", "batch must be an array of events");
                    } else {
                        envelope.set(field, json.readTree(parser));
                    }
                }
                if (parser.nextToken() != null) {
                    throw IngestException.badRequest("invalid_json", "Unexpected content after the JSON object");
                }
                if (events == null) {
                    throw IngestException.badRequest("invalid_shape", "The body has no batch array");
                }
                return new Parsed(envelope, events, sizes, unreadable, true);
            }
        });
    }

    /** The body as a JSON array of events: how Segment's Webhooks (Actions) destination sends a batch. */
    Parsed array(byte[] bytes) {
        return parse(() -> {
            try (JsonParser parser = json.createParser(bytes)) {
                if (parser.nextToken() != JsonToken.START_ARRAY) {
                    throw IngestException.badRequest("invalid_shape", "The body must be an array of events");
                }
                List<JsonNode> events = new ArrayList<>();
                List<Integer> sizes = new ArrayList<>();
                List<String> unreadable = new ArrayList<>();
                readEvents(parser, events, sizes, unreadable);
                if (parser.nextToken() != null) {
                    throw IngestException.badRequest("invalid_json", "Unexpected content after the JSON array");
                }
                return new Parsed(json.createObjectNode(), events, sizes, unreadable, true);
            }
        });
    }

    /**
     * Reads the events of an array (the parser on its start) up to its end, each with its size as
     * sent and, for one that cannot be read (a number out of range), why.
     */
    private void readEvents(JsonParser parser, List<JsonNode> events, List<Integer> sizes, List<String> unreadable) throws IOException {
        JsonStreamContext batch = parser.getParsingContext();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (events.size() == maxBatchEvents) {
                throw IngestException.badRequest("too_many_events",
                        "A batch holds at most " + maxBatchEvents + " events");
            }
            long start = parser.currentTokenLocation().getByteOffset();
            String problem = null;
            JsonNode event;
            try {
                event = json.readTree(parser);
            } catch (NumberFormatException outOfRange) {
                problem = numberOutOfRange(outOfRange);
                event = json.getNodeFactory().nullNode();
                skipRestOfEvent(parser, batch);
            }
            events.add(event);
            sizes.add((int) (parser.currentLocation().getByteOffset() - start));
            unreadable.add(problem);
        }
    }

    /** After a value of an event could not be read: moves the parser to the event's last token. */
    private static void skipRestOfEvent(JsonParser parser, JsonStreamContext batch) throws IOException {
        while (parser.getParsingContext() != batch) {
            if (parser.nextToken() == null) {
                throw IngestException.badRequest("invalid_json", "The body ends inside an event");
            }
        }
    }

    private static String numberOutOfRange(NumberFormatException outOfRange) {
        String message = String.valueOf(outOfRange.getMessage());
        int reason = message.indexOf("reason:");
        return "a number is out of range" + (reason < 0 ? "" : " (" + message.substring(reason + 7).trim() + ")");
    }

    private interface JsonRead<T> {
        T read() throws IOException;
    }

    private static <T> T parse(JsonRead<T> read) {
        try {
            return read.read();
        } catch (NumberFormatException outOfRange) {
            throw IngestException.badRequest("invalid_event", "The event cannot be read: " + numberOutOfRange(outOfRange));
        } catch (StreamConstraintsException limit) {
            throw IngestException.badRequest("limit_exceeded", "The JSON exceeds a limit: " + SegmentJson.firstLine(limit.getOriginalMessage()));
        } catch (JsonProcessingException malformed) {
            throw IngestException.badRequest("invalid_json", "The body is not valid JSON: " + SegmentJson.firstLine(malformed.getOriginalMessage()));
        } catch (IOException unreadable) {
            throw IngestException.badRequest("invalid_json", "The body could not be read: " + SegmentJson.firstLine(unreadable.getMessage()));
        }
    }
}
