package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The Totango calls of one batch of queued events (the reader's), collected while its events are
 * routed one by one, then put on the delivery queue together in the batch's transaction: one commit,
 * one disk sync for the whole batch instead of one per call. Also notes the parked events the batch
 * released, which are taken out of the parking only once their calls are queued.
 *
 * <p>Lives in the exchange property {@code outbox}; the split's copies of the exchange share it.
 * The routes reach it through the static methods below, bound by annotation: a simple expression
 * calling a method on an object ({@code ${exchangeProperty.outbox.calls()}}) costs Camel a bean
 * lookup keyed by the object's hash, and hashing a list of calls walks all of them.
 */
public final class Outbox {

    private final List<TotangoCall> calls = new ArrayList<>();
    private final Set<Long> releasedParkedEvents = new LinkedHashSet<>();

    /** A new, empty outbox (the routes set it as the exchange property {@code outbox}). */
    public static Outbox open() {
        return new Outbox();
    }

    /** Collects the calls of one event into the batch's outbox. */
    public static void collect(@Body List<TotangoCall> calls, @ExchangeProperty("outbox") Outbox outbox) {
        outbox.add(calls);
    }

    /** The calls collected in the batch's outbox. */
    public static List<TotangoCall> callsIn(@ExchangeProperty("outbox") Outbox outbox) {
        return outbox.calls();
    }

    /** Whether the batch's outbox holds any call. */
    public static boolean isNotEmpty(@ExchangeProperty("outbox") Outbox outbox) {
        return outbox.size() > 0;
    }

    /** The parked events released by the batch, to take out once its calls are queued. */
    public static List<Long> releasedIn(@ExchangeProperty("outbox") Outbox outbox) {
        return outbox.releasedParkedEvents();
    }

    public synchronized int size() {
        return calls.size();
    }

    public synchronized void add(List<TotangoCall> more) {
        calls.addAll(more);
    }

    /** The calls collected so far, in the order they came. */
    public synchronized List<TotangoCall> calls() {
        return List.copyOf(calls);
    }

    /** Notes parked events (by row id) that this batch releases; returns those it had not released yet. */
    public synchronized Set<Long> release(Collection<Long> parkedEventIds) {
        Set<Long> fresh = new LinkedHashSet<>();
        for (Long id : parkedEventIds) {
            if (releasedParkedEvents.add(id)) {
                fresh.add(id);
            }
        }
        return fresh;
    }

    /** The parked events released by this batch, to take out once its calls are queued. */
    public synchronized List<Long> releasedParkedEvents() {
        return List.copyOf(releasedParkedEvents);
    }
}
