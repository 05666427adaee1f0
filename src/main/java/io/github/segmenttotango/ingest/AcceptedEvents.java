package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.camel.Predicate;
import org.apache.camel.Processor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The valid events of one request (or of one chunk of a dropped file) as a JSON array, in the order
 * they came: a message of the durable events queue, or part of one ({@link EventsQueueWriter} joins
 * the arrays of requests that come together). The client is answered once the message is on disk;
 * the events are routed to Totango calls behind it.
 */
public final class AcceptedEvents {

    private final ObjectMapper json;

    /** @param json the mapper of Segment input ({@link SegmentJson}): decimals keep their digits both ways */
    public AcceptedEvents(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Whether the body holds events (a list that is not empty), as a predicate the routes name with
     * {@code ref:}: a {@code method:} predicate evaluates on a copy of the exchange, once per request.
     */
    public static Predicate bodyHoldsEvents() {
        return exchange -> exchange.getMessage().getBody() instanceof List<?> events && !events.isEmpty();
    }

    /**
     * Whether the body (a {@link SegmentRequest}) has events refused alone, to keep as dead letters:
     * the Tracking API's route, on the event loop, writes those on another thread.
     */
    public static Predicate bodyHasRefusedEvents() {
        return exchange -> exchange.getMessage().getBody() instanceof SegmentRequest request && !request.rejected().isEmpty();
    }

    /** The message that carries the events. */
    public byte[] toMessage(List<ObjectNode> events) throws JsonProcessingException {
        return json.writeValueAsBytes(events);
    }

    /** {@link #toMessage} as a route step, without bean binding per request: the body, the events, becomes the message. */
    @SuppressWarnings("unchecked")
    public Processor writesMessage() {
        return exchange -> exchange.getMessage().setBody(toMessage(exchange.getMessage().getMandatoryBody(List.class)));
    }

    /**
     * The events a message carries; a message that is not an array of objects (only a hand-made one
     * can be) is refused, since nothing in it could be delivered.
     */
    public List<ObjectNode> fromMessage(byte[] message) {
        if (message == null || message.length == 0) {
            throw new UnreadableMessage("an events message is empty");
        }
        JsonNode array;
        try {
            array = json.readTree(message);
        } catch (IOException e) {
            throw new UnreadableMessage("an events message is not JSON: " + e.getMessage());
        }
        if (array == null || !array.isArray()) {
            throw new UnreadableMessage("an events message is not a JSON array of events");
        }
        List<ObjectNode> events = new ArrayList<>(array.size());
        for (JsonNode event : array) {
            if (!event.isObject()) {
                throw new UnreadableMessage("an events message holds something else than events");
            }
            events.add((ObjectNode) event);
        }
        return events;
    }

    /** A message of the events queue that does not hold events. */
    public static final class UnreadableMessage extends RuntimeException {
        public UnreadableMessage(String message) {
            super(message);
        }
    }
}
