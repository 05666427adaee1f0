package io.github.segmenttotango.routing;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The aggregation of the calls of routed events, as a split calls it; and the parked events a batch released. */
class CallsOfEventsTest {

    private final CamelContext camel = new DefaultCamelContext();
    private final CallsOfEvents strategy = new CallsOfEvents();

    @Test
    void theCallsOfTheEventsGoOnTheInputInOrderAndAnEventWithoutCallsAddsNone() throws Exception {
        Exchange input = exchange("the batch");
        Exchange collected = strategy.aggregate(null, exchange(List.of(call("a"), call("b"))), input);
        collected = strategy.aggregate(collected, exchange(new ObjectMapper().readTree("{\"type\":\"track\"}")), input);
        collected = strategy.aggregate(collected, exchange(List.of(call("c"))), input);
        strategy.onCompletion(collected, input);
        assertSame(input, collected, "the events' own variables stay theirs: the result is the input");
        assertEquals(List.of(call("a"), call("b"), call("c")), input.getMessage().getBody());
        assertTrue(CallsOfEvents.any(input.getMessage().getBody()));
    }

    @Test
    void aSplitOfNoEventsLeavesNoCalls() {
        Exchange input = exchange("a group call that released nothing");
        strategy.onCompletion(null, input);
        assertEquals(List.of(), input.getMessage().getBody());
        assertFalse(CallsOfEvents.any(input.getMessage().getBody()));
        assertFalse(CallsOfEvents.any("an event routed to no call"));
    }

    @Test
    void anEventThatFailedFailsTheSplit() {
        Exchange input = exchange("the batch");
        Exchange failed = exchange("an event");
        failed.setException(new IllegalStateException("the dead letters are away"));
        Exchange collected = strategy.aggregate(null, exchange(List.of(call("a"))), input);
        strategy.aggregate(collected, failed, input);
        assertEquals("the dead letters are away", input.getException().getMessage());
    }

    @Test
    void aBatchReleasesAParkedEventOnce() {
        ReleasedParkedEvents batch = ReleasedParkedEvents.none();
        assertEquals(Set.of(1L, 2L), batch.release(List.of(1L, 2L)));
        assertEquals(Set.of(3L), batch.release(List.of(2L, 3L)), "a second group call of the user finds 2 released");
        assertEquals(List.of(1L, 2L, 3L), ReleasedParkedEvents.idsIn(batch));
        assertEquals(List.of(), ReleasedParkedEvents.idsIn(null), "no batch (a replay): nothing to forget");
    }

    private Exchange exchange(Object body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(body);
        return exchange;
    }

    private static TotangoCall call(String activity) {
        return new TotangoCall("m-" + activity, "u", Map.of("sdr_a", activity));
    }
}
