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

import static io.github.segmenttotango.mapping.SegmentToTotango.text;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Reads one Segment Tracking API request (spec: Segment's HTTP API) into events: checks the content
 * type, inflates gzip within the size limit, parses with bounded depth, checks the write key, merges
 * a batch's {@code context} and {@code integrations} into its events, stamps {@code messageId},
 * {@code receivedAt} and the corrected {@code timestamp}, and validates each event on its own.
 *
 * <p>A request that cannot be read at all is refused whole with an {@link IngestException}; an event
 * that is invalid is refused alone and the others go on.
 */
public final class SegmentRequestReader {

    /** The call of each path segment: short browser forms included; "batch" for batch and import. */
    private static final Map<String, String> CALLS = Map.ofEntries(
            Map.entry("identify", "identify"), Map.entry("i", "identify"),
            Map.entry("group", "group"), Map.entry("g", "group"),
            Map.entry("track", "track"), Map.entry("t", "track"),
            Map.entry("page", "page"), Map.entry("p", "page"),
            Map.entry("screen", "screen"), Map.entry("s", "screen"),
            Map.entry("alias", "alias"), Map.entry("a", "alias"),
            Map.entry("batch", "batch"), Map.entry("b", "batch"), Map.entry("import", "batch"),
            Map.entry("preview", "preview"));

    private final IngestLimits limits;
    private final WriteKeys writeKeys;
    private final ObjectMapper json;
    private final Clock clock;

    public SegmentRequestReader(IngestLimits limits, WriteKeys writeKeys, Clock clock) {
        this.limits = limits;
        this.writeKeys = writeKeys;
        this.json = SegmentJson.mapper(limits);
        this.clock = clock;
    }

    /**
     * The valid events of a request. A bean method, so the routes call no method on the request:
     * a simple expression such as {@code ${body.events}} costs Camel a bean lookup keyed by the
     * record's hash, which walks every event of the request.
     */
    public List<ObjectNode> eventsOf(SegmentRequest request) {
        return request.events();
    }

    /** Whether a path segment after {@code /v1/} names a Tracking API call. */
    public static boolean isCall(String call) {
        return call != null && CALLS.containsKey(call);
    }

    public SegmentRequest read(Object body, String contentType, String contentEncoding, String authorization,
            String call) {
        String kind = CALLS.get(call);
        if (kind == null) {
            throw new IngestException(404, "unknown_call", "No such Tracking API call: /v1/" + call);
        }
        RequestBody.checkContentType(contentType);
        String headerKey = WriteKeys.fromAuthorization(authorization);
        if (headerKey != null) {
            writeKeys.check(headerKey);
        }
        byte[] bytes = RequestBody.inflate(RequestBody.bytesOf(body), contentEncoding, limits.maxRequestBytes());
        if (bytes.length > limits.maxRequestBytes()) {
            throw RequestBody.tooLarge(limits.maxRequestBytes());
        }
        if (bytes.length == 0) {
            throw IngestException.badRequest("invalid_json", "The body is empty: send a JSON object");
        }
        Parsed parsed = switch (kind) {
            case "batch" -> parseBatch(bytes);
            case "preview" -> isBatch(bytes) ? parseBatch(bytes) : parseSingle(bytes, null);
            default -> parseSingle(bytes, kind);
        };
        if (headerKey == null) {
            writeKeys.check(text(parsed.envelope.get("writeKey")));
        }
        return normalize(parsed, false);
    }

    /**
     * Reads a request of Segment's Webhooks destinations ({@code POST /v1/webhook}), which its
     * {@code X-Signature} authenticates instead of a write key: one event with its own {@code type},
     * a batch ({@code {"batch":[...]}}), or a JSON array of events (how the Webhooks (Actions)
     * destination batches). Until the signature holds, nothing but 401 is answered; then the checks
     * and limits are the Tracking API's. Its events were stamped by Segment: their {@code messageId},
     * {@code receivedAt} and corrected {@code timestamp} are kept (see {@link SegmentEvents#prepareForwarded}).
     */
    public SegmentRequest readSigned(Object body, String contentType, String contentEncoding, String signature,
            WebhookSignatures signatures) {
        if (!signatures.enabled()) {
            throw new IngestException(404, "webhook_disabled",
                    "POST /v1/webhook is off: set segment.webhook-secrets (SEGMENT_WEBHOOK_SECRETS) to turn it on");
        }
        byte[] received = RequestBody.bytesOf(body);
        signatures.authenticate(signature, received, () -> RequestBody.inflate(received, contentEncoding, limits.maxRequestBytes()));
        RequestBody.checkContentType(contentType);
        byte[] bytes = RequestBody.inflate(received, contentEncoding, limits.maxRequestBytes());
        if (bytes.length > limits.maxRequestBytes()) {
            throw RequestBody.tooLarge(limits.maxRequestBytes());
        }
        int first = firstByte(bytes);
        if (first < 0) {
            throw IngestException.badRequest("invalid_json", "The body is empty: send a JSON object or array");
        }
        Parsed parsed = first == '[' ? parseArray(bytes) : isBatch(bytes) ? parseBatch(bytes) : parseSingle(bytes, null);
        return normalize(parsed, true);
    }

    /** The first byte of a body that is not JSON whitespace, or -1. */
    private static int firstByte(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- JSON

    /**
     * The request's top-level object and its events, each with its size as sent and, for an event
     * that could not even be read (a number out of range), why: null for the others.
     */
    private record Parsed(ObjectNode envelope, List<JsonNode> events, List<Integer> sizes, List<String> unreadable, boolean batch) {
    }

    private Parsed parseSingle(byte[] bytes, String type) {
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
    private boolean isBatch(byte[] bytes) {
        JsonNode node = parse(() -> json.readTree(bytes));
        return node != null && node.has("batch");
    }

    private Parsed parseBatch(byte[] bytes) {
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
    private Parsed parseArray(byte[] bytes) {
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
            if (events.size() == limits.maxBatchEvents()) {
                throw IngestException.badRequest("too_many_events",
                        "A batch holds at most " + limits.maxBatchEvents() + " events");
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

    // ---------------------------------------------------------------- events

    /** @param forwarded whether Segment stamped the events already (a webhook request), see {@link SegmentEvents#prepareForwarded} */
    private SegmentRequest normalize(Parsed parsed, boolean forwarded) {
        JsonNode batchContext = parsed.batch ? parsed.envelope.get("context") : null;
        JsonNode batchIntegrations = parsed.batch ? parsed.envelope.get("integrations") : null;
        SegmentEvents.Receipt receipt = SegmentEvents.Receipt.of(clock, parsed.batch ? text(parsed.envelope.get("sentAt")) : null);
        List<ObjectNode> events = new ArrayList<>(parsed.events.size());
        List<SegmentRequest.RejectedEvent> rejected = new ArrayList<>();
        for (int i = 0; i < parsed.events.size(); i++) {
            JsonNode node = parsed.events.get(i);
            String problem = parsed.unreadable.get(i) != null ? parsed.unreadable.get(i)
                    : SegmentEvents.problemOf(node, parsed.sizes.get(i), limits.maxEventBytes());
            if (problem != null) {
                String messageId = node.isObject() ? text(node.get("messageId")) : null;
                rejected.add(new SegmentRequest.RejectedEvent(i, messageId, "invalid_event", problem, node));
                continue;
            }
            ObjectNode event = (ObjectNode) node;
            if (forwarded) {
                SegmentEvents.prepareForwarded(event, batchContext, batchIntegrations, receipt);
            } else {
                SegmentEvents.prepare(event, batchContext, batchIntegrations, receipt);
            }
            events.add(event);
        }
        if (!parsed.batch && !rejected.isEmpty()) {
            throw IngestException.badRequest("invalid_event", rejected.get(0).detail());
        }
        return new SegmentRequest(events, rejected);
    }

    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }
}
