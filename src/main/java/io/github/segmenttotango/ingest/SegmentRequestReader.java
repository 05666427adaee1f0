package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.camel.Message;
import org.apache.camel.Processor;

import static io.github.segmenttotango.mapping.SegmentToTotango.text;

import java.time.Clock;
import java.util.ArrayList;
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
    private final RequestJson bodies;
    private final Clock clock;

    public SegmentRequestReader(IngestLimits limits, WriteKeys writeKeys, Clock clock) {
        this.limits = limits;
        this.writeKeys = writeKeys;
        this.bodies = new RequestJson(SegmentJson.mapper(limits), limits.maxBatchEvents());
        this.clock = clock;
    }

    /**
     * The valid events of a request (the routes' step is {@link #takesEvents}: a simple expression
     * such as {@code ${body.events}} costs Camel a bean lookup keyed by the record's hash, which walks
     * every event of the request).
     */
    public List<ObjectNode> eventsOf(SegmentRequest request) {
        return request.events();
    }

    /**
     * {@link #read} as a route step: the body becomes the {@link SegmentRequest}. A processor, not a
     * bean step: Camel's bean binding (the method's invocation, its arguments read by annotation, a
     * copy of the message for the result) cost more per request than the step's own work.
     */
    public Processor reads() {
        return exchange -> {
            Message message = exchange.getMessage();
            message.setBody(read(message.getBody(), message.getHeader("Content-Type", String.class),
                    message.getHeader("Content-Encoding", String.class), message.getHeader("Authorization", String.class),
                    message.getHeader("call", String.class)));
        };
    }

    /** {@link #eventsOf} as a route step: the body, a {@link SegmentRequest}, becomes its valid events. */
    public Processor takesEvents() {
        return exchange -> exchange.getMessage().setBody(eventsOf(exchange.getMessage().getMandatoryBody(SegmentRequest.class)));
    }

    /** Whether a path segment after {@code /v1/} names a Tracking API call. */
    public static boolean isCall(String call) {
        return call != null && CALLS.containsKey(call);
    }

    /** Reads a Tracking API request (the routes' step is {@link #reads}). */
    public SegmentRequest read(Object body, String contentType, String contentEncoding, String authorization, String call) {
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
        RequestJson.Parsed parsed = switch (kind) {
            case "batch" -> bodies.batch(bytes);
            case "preview" -> bodies.isBatch(bytes) ? bodies.batch(bytes) : bodies.single(bytes, null);
            default -> bodies.single(bytes, kind);
        };
        if (headerKey == null) {
            writeKeys.check(text(parsed.envelope().get("writeKey")));
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
        int first = RequestJson.firstByte(bytes);
        if (first < 0) {
            throw IngestException.badRequest("invalid_json", "The body is empty: send a JSON object or array");
        }
        RequestJson.Parsed parsed = first == '[' ? bodies.array(bytes) : bodies.isBatch(bytes) ? bodies.batch(bytes) : bodies.single(bytes, null);
        return normalize(parsed, true);
    }

    // ---------------------------------------------------------------- events

    /** @param forwarded whether Segment stamped the events already (a webhook request), see {@link SegmentEvents#prepareForwarded} */
    private SegmentRequest normalize(RequestJson.Parsed parsed, boolean forwarded) {
        JsonNode batchContext = parsed.batch() ? parsed.envelope().get("context") : null;
        JsonNode batchIntegrations = parsed.batch() ? parsed.envelope().get("integrations") : null;
        SegmentEvents.Receipt receipt = SegmentEvents.Receipt.of(clock, parsed.batch() ? text(parsed.envelope().get("sentAt")) : null);
        List<ObjectNode> events = new ArrayList<>(parsed.events().size());
        List<SegmentRequest.RejectedEvent> rejected = new ArrayList<>();
        for (int i = 0; i < parsed.events().size(); i++) {
            JsonNode node = parsed.events().get(i);
            String problem = parsed.unreadable().get(i) != null ? parsed.unreadable().get(i)
                    : SegmentEvents.problemOf(node, parsed.sizes().get(i), limits.maxEventBytes());
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
        if (!parsed.batch() && !rejected.isEmpty()) {
            throw IngestException.badRequest("invalid_event", rejected.get(0).detail());
        }
        return new SegmentRequest(events, rejected);
    }

    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }
}
