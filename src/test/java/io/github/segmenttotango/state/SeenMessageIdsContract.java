package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.support.SettableClock;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What every dedup store does; {@link SeenMessageIdsTableTest} and {@link SeenMessageIdsRocksDbTest} run it on theirs. */
abstract class SeenMessageIdsContract {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WINDOW = Duration.ofHours(24);

    final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));

    /** The store under test, with a window of {@link #WINDOW} on {@link #clock}. */
    abstract SeenMessageIds seen();

    @Test
    void anIdRepeatedWithinABatchCountsOnceAndEventsWithoutIdPass() {
        List<ObjectNode> events = List.of(event("a"), event("b"), event("a"), event(null));
        List<ObjectNode> unseen = seen().unseen(events);
        assertEquals(List.of(events.get(0), events.get(1), events.get(3)), unseen);
    }

    @Test
    void onlyRememberedIdsAreSeenAndOnlyWithinTheWindow() {
        ObjectNode a = event("a");
        ObjectNode b = event("b");
        assertEquals(List.of(a, b), seen().unseen(List.of(a, b)), "nothing is seen before it is remembered");
        seen().remember(List.of(a));
        assertEquals(List.of(b), seen().unseen(List.of(a, b)));

        clock.advance(Duration.ofHours(23));
        assertEquals(List.of(b), seen().unseen(List.of(a, b)), "within the window");
        clock.advance(Duration.ofHours(2));
        assertEquals(List.of(a, b), seen().unseen(List.of(a, b)), "past the window an id is new again");
    }

    @Test
    void anIdRememberedAgainIsSeenForAWindowFromThen() {
        ObjectNode a = event("a");
        seen().remember(List.of(a));
        clock.advance(Duration.ofHours(20));
        seen().remember(List.of(a));
        clock.advance(Duration.ofHours(10));
        assertEquals(List.of(), seen().unseen(List.of(a)));
    }

    @Test
    void aVeryLongIdIsKeptByItsHash() {
        ObjectNode long1 = event("x".repeat(5000));
        ObjectNode long2 = event("x".repeat(4999) + "y");
        seen().remember(List.of(long1));
        assertEquals(List.of(long2), seen().unseen(List.of(long1, long2)));
    }

    @Test
    void aLargeBatchIsCheckedWhole() {
        List<ObjectNode> many = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            many.add(event("m" + i));
        }
        seen().remember(many.subList(0, 7_000));
        assertEquals(many.subList(7_000, 12_000), seen().unseen(many));
    }

    @Test
    void anIdIsKeptAsTheFirstHalfOfItsSha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad
        assertEquals(UUID.fromString("ba7816bf-8f01-cfea-4141-40de5dae2223"), SeenMessageIds.keyOf("abc"));
        assertNull(SeenMessageIds.keyOf(null));
    }

    static ObjectNode event(String messageId) {
        ObjectNode event = JSON.createObjectNode().put("type", "track").put("userId", "u").put("event", "E");
        if (messageId != null) {
            event.put("messageId", messageId);
        }
        return event;
    }
}
