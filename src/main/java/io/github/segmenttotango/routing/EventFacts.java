package io.github.segmenttotango.routing;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.state.GroupContextStore;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Predicate;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.support.ExpressionAdapter;

/**
 * What the event router reads off a Segment event (the body, a Jackson tree), as Camel expressions
 * the routes name with {@code ref:}: its call type, whether it may reach Totango, its account, the
 * module of its user's last page.
 *
 * <p>The same questions as {@code method:} expressions copied the whole exchange for every event
 * (Camel's bean language evaluates on a copy, then copies the properties back), which the reader
 * paid for three times per event; these read the body and answer. The answers themselves are the
 * mapping's ({@link SegmentToTotango}).
 */
public final class EventFacts {

    private EventFacts() {
    }

    /** The event's call type: identify, group, track, page, screen, alias. */
    public static Expression callType() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                return SegmentToTotango.callType(event(exchange));
            }
        };
    }

    /** Whether the event's {@code integrations} let it reach Totango. */
    public static Predicate sentToTotango() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                return SegmentToTotango.sendsToTotango(event(exchange));
            }
        };
    }

    /**
     * The account of an identify, track or page: its {@code context.groupId}, else the cached group
     * context of its user (looked up only when the event names no group); null when there is none.
     */
    public static Expression account(GroupContextStore groupContexts) {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                JsonNode event = event(exchange);
                String named = SegmentToTotango.accountOf(event, null);
                return named != null ? named : SegmentToTotango.accountOf(event, groupContexts.lookup(event));
            }
        };
    }

    /**
     * The module of the last page of a track's user (setting {@code totango.track-module-from-last-page}):
     * looked up only when the track names no category of its own; null when there is none.
     */
    public static Expression lastPageModule(GroupContextStore groupContexts) {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                JsonNode track = event(exchange);
                return SegmentToTotango.namesModule(track) ? null : groupContexts.lastPageModule(track);
            }
        };
    }

    private static JsonNode event(Exchange exchange) {
        try {
            return exchange.getMessage().getMandatoryBody(JsonNode.class);
        } catch (InvalidPayloadException e) {
            throw new RuntimeCamelException(e);
        }
    }
}
