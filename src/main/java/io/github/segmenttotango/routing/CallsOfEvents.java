package io.github.segmenttotango.routing;

import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Body;
import org.apache.camel.Exchange;

import java.util.ArrayList;
import java.util.List;

/**
 * The aggregation strategy of the splits that route events (a batch of queued events, the events a
 * group call releases): collects the Totango calls each event made, in the order of the events, as
 * the body of the split's input exchange. An event that made none (parked, not for Totango, kept as a
 * dead letter) ends with the event itself in its body, not a list of calls, and adds nothing; a split
 * of no events leaves an empty list.
 *
 * <p>The calls are collected on the input exchange (as Camel's {@code UseOriginalAggregationStrategy}
 * does) rather than on the first event's copy, so that the variables one event's routing set (its
 * account, its call type) do not come back onto the exchange that split them. A failure of an event
 * (one its route did not handle) fails the split.
 */
public final class CallsOfEvents implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        throw new UnsupportedOperationException("the calls are collected on the split's input exchange");
    }

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange collected, Exchange event, Exchange input) {
        List<TotangoCall> calls;
        if (collected == null) {
            calls = new ArrayList<>();
            input.getMessage().setBody(calls);
        } else {
            calls = collected.getMessage().getBody(List.class);
        }
        if (event.getMessage().getBody() instanceof List<?> made) {
            calls.addAll((List<TotangoCall>) made);
        }
        if (event.getException() != null) {
            input.setException(event.getException());
        }
        return input;
    }

    @Override
    public void onCompletion(Exchange collected, Exchange input) {
        if (collected == null) {
            input.getMessage().setBody(new ArrayList<TotangoCall>());
        }
    }

    /** Whether the body holds Totango calls to queue: a list of at least one call (an event routed to none leaves itself). */
    public static boolean any(@Body Object body) {
        return body instanceof List<?> calls && !calls.isEmpty();
    }
}
