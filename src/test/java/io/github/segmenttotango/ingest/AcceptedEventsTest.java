package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events of a request as one message of the events queue, and back. */
class AcceptedEventsTest {

    private final AcceptedEvents queue = new AcceptedEvents(SegmentJson.mapper(IngestLimits.segmentDefaults()));

    @Test
    void eventsComeBackInOrderWithEveryDigit() throws Exception {
        var mapper = SegmentJson.mapper(IngestLimits.segmentDefaults());
        ObjectNode first = (ObjectNode) mapper.readTree("{\"type\":\"track\",\"userId\":\"u1\",\"properties\":{\"price\":42.50,\"big\":12345678901234567890.10}}");
        ObjectNode second = (ObjectNode) mapper.readTree("{\"type\":\"identify\",\"userId\":\"u2\",\"traits\":{\"name\":\"Zoë \\u2603\"}}");

        List<ObjectNode> back = queue.fromMessage(queue.toMessage(List.of(first, second)));

        assertEquals(List.of(first, second), back);
        assertEquals("42.50", back.get(0).at("/properties/price").asText());
        assertEquals("12345678901234567890.10", back.get(0).at("/properties/big").asText());
        assertEquals("Zoë ☃", back.get(1).at("/traits/name").asText());
    }

    @Test
    void aMessageThatHoldsNoEventsIsRefusedWithWhy() {
        var notJson = assertThrows(AcceptedEvents.UnreadableMessage.class,
                () -> queue.fromMessage("{oops".getBytes(StandardCharsets.UTF_8)));
        assertTrue(notJson.getMessage().contains("not JSON"), notJson.getMessage());
        var notArray = assertThrows(AcceptedEvents.UnreadableMessage.class,
                () -> queue.fromMessage("{\"type\":\"track\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(notArray.getMessage().contains("not a JSON array"), notArray.getMessage());
        assertThrows(AcceptedEvents.UnreadableMessage.class, () -> queue.fromMessage("[1,2]".getBytes(StandardCharsets.UTF_8)));
        assertTrue(holdsEvents(List.of(first())));
        assertTrue(!holdsEvents(List.of()) && !holdsEvents(null));
    }

    /** {@link AcceptedEvents#bodyHoldsEvents} of an exchange with this body. */
    private static boolean holdsEvents(Object body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(body);
        return AcceptedEvents.bodyHoldsEvents().matches(exchange);
    }

    private static ObjectNode first() {
        return SegmentJson.mapper(IngestLimits.segmentDefaults()).createObjectNode().put("type", "track");
    }
}
