package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.support.SettableClock;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Parked events: kept once per messageId, released by their user's group call in the order they
 * came, taken out after the park window. On the embedded H2 here, on PostgreSQL in
 * {@link ParkedEventsPostgresTest}.
 */
class ParkedEventsTableTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WINDOW = Duration.ofHours(24);
    final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final List<Runnable> closing = new ArrayList<>();

    /** An empty state database (a second call: another instance on the same one, where databases are shared). */
    DataSource database() {
        JdbcConnectionPool db = JdbcConnectionPool.create("jdbc:h2:mem:parked" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        closing.add(db::dispose);
        return db;
    }

    final void closeWhenDone(Runnable close) {
        closing.add(close);
    }

    @AfterEach
    void close() {
        closing.forEach(Runnable::run);
    }

    @Test
    void aGroupCallReleasesItsUsersEventsInOrderOnceAndParkingTwiceKeepsOne() {
        ParkedEvents parked = new ParkedEventsTable(database(), WINDOW, clock);
        parked.park(event("m1", "u1", null));
        parked.park(event("m2", null, "a1"));
        parked.park(event("m3", "u2", null));
        parked.park(event("m1", "u1", null));
        parked.park(event(null, "u1", null));
        assertEquals(4, parked.count(), "m1 parked again is kept once; an event without messageId is kept");

        assertEquals(List.of("m1", "m2", "-"), messageIds(parked.release(group("u1", "a1"), null)));
        assertEquals(List.of(), parked.release(group("u1", "a1"), null), "taken out");
        assertEquals(List.of(), parked.release(group(null, null), null), "a group call without ids releases nothing");
        assertEquals(List.of("m3"), messageIds(parked.list(0, 10).stream().map(ParkedEvents.Parked::event).toList()));
    }

    @Test
    void withinARequestReleasedEventsStayUntilForgotten() {
        ParkedEvents parked = new ParkedEventsTable(database(), WINDOW, clock);
        parked.park(event("m1", "u1", null));
        parked.park(event("m2", "u1", "a1"));
        Set<Long> taken = new HashSet<>();
        ParkedEvents.Releases request = ids -> {
            Set<Long> fresh = new HashSet<>(ids);
            fresh.removeAll(taken);
            taken.addAll(fresh);
            return fresh;
        };
        assertEquals(List.of("m1", "m2"), messageIds(parked.release(group("u1", null), request)));
        assertEquals(List.of(), parked.release(group("u1", null), request), "the same request takes them once");
        assertEquals(2, parked.count(), "still parked until the request's calls are queued");
        parked.forget(new ArrayList<>(taken));
        assertEquals(0, parked.count());
    }

    @Test
    void eventsParkedLongerThanTheWindowAreTakenOutOldestFirst() {
        ParkedEvents parked = new ParkedEventsTable(database(), WINDOW, clock);
        parked.park(event("old-1", "u1", null));
        clock.advance(Duration.ofHours(1));
        parked.park(event("old-2", "u2", null));
        clock.advance(Duration.ofHours(23).plusMinutes(30));
        parked.park(event("young", "u3", null));
        assertEquals(List.of("old-1"), messageIds(parked.expired()));
        clock.advance(Duration.ofHours(1));
        assertEquals(List.of("old-2"), messageIds(parked.expired()));
        assertEquals(List.of(), parked.expired());
        assertEquals(1, parked.count());
    }

    static ObjectNode event(String messageId, String userId, String anonymousId) {
        ObjectNode event = JSON.createObjectNode().put("type", "track").put("event", "E");
        if (messageId != null) {
            event.put("messageId", messageId);
        }
        if (userId != null) {
            event.put("userId", userId);
        }
        if (anonymousId != null) {
            event.put("anonymousId", anonymousId);
        }
        return event;
    }

    static ObjectNode group(String userId, String anonymousId) {
        ObjectNode group = event(null, userId, anonymousId);
        group.put("type", "group").put("groupId", "acme");
        return group;
    }

    static List<String> messageIds(List<JsonNode> events) {
        return events.stream().map(e -> e.path("messageId").asText("-")).toList();
    }
}
