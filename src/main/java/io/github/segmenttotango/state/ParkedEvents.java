package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Events that have no account yet (spec §2), parked under their userId and anonymousId. A group call
 * for the user releases them, in the order they came, to be delivered with that account; those still
 * parked after the park window become dead letters ({@code no_account}). {@link ParkedEventsTable}
 * keeps them in the state database; a store shared by several nodes implements the same.
 */
public interface ParkedEvents {

    /**
     * The request that releases parked events: of the ids parked for a user, it takes those it has
     * not taken yet and keeps them, to {@link #forget} once its calls are queued.
     */
    interface Releases {
        Set<Long> release(Collection<Long> parkedEventIds);
    }

    /**
     * Parks an event that has no account yet; parking it again (its request sent again after a
     * failure) keeps one copy.
     */
    void park(JsonNode event);

    /**
     * The events parked for the user of a group call (by userId or anonymousId), oldest first. Within
     * a request ({@code releases} not null) they stay parked until the request's calls are queued
     * ({@link #forget}), so a request that fails releases them again when it is sent again; without
     * one they are taken out at once.
     */
    List<JsonNode> release(JsonNode group, Releases releases);

    /** Takes out parked events released by a request whose calls are now queued. */
    void forget(List<Long> ids);

    /** Takes out the events parked longer than the window, oldest first: they become dead letters. */
    List<JsonNode> expired();

    /** A parked event and when it was parked (epoch millis). */
    record Parked(long parkedAt, JsonNode event) {
    }

    /** Parked events, oldest first, without taking them out: for the operator. */
    List<Parked> list(int offset, int limit);

    /** How many events are parked. */
    long count();
}
