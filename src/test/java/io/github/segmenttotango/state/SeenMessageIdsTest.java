package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.support.SettableClock;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class SeenMessageIdsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JdbcConnectionPool dataSource = JdbcConnectionPool.create(
            "jdbc:h2:mem:seen-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final SeenMessageIds seen = new SeenMessageIds(dataSource, Duration.ofHours(24), clock);

    @AfterEach
    void close() {
        dataSource.dispose();
    }

    @Test
    void anIdRepeatedWithinABatchCountsOnceAndEventsWithoutIdPass() {
        List<ObjectNode> events = List.of(event("a"), event("b"), event("a"), event(null));
        List<ObjectNode> unseen = seen.unseen(events);
        assertEquals(List.of(events.get(0), events.get(1), events.get(3)), unseen);
    }

    @Test
    void onlyRememberedIdsAreSeenAndOnlyWithinTheWindow() {
        ObjectNode a = event("a");
        ObjectNode b = event("b");
        assertEquals(List.of(a, b), seen.unseen(List.of(a, b)), "nothing is seen before it is remembered");
        seen.remember(List.of(a));
        assertEquals(List.of(b), seen.unseen(List.of(a, b)));

        clock.advance(Duration.ofHours(25));
        assertEquals(List.of(a, b), seen.unseen(List.of(a, b)), "past the window an id is new again");
        assertEquals(1, seen.expire());
        assertEquals(0, seen.expire());
    }

    @Test
    void aVeryLongIdIsKeptByItsHash() {
        ObjectNode long1 = event("x".repeat(5000));
        ObjectNode long2 = event("x".repeat(4999) + "y");
        seen.remember(List.of(long1));
        assertEquals(List.of(long2), seen.unseen(List.of(long1, long2)));
    }

    @Test
    void aBatchLargerThanOneQueryIsCheckedWhole() {
        List<ObjectNode> many = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            many.add(event("m" + i));
        }
        seen.remember(many.subList(0, 700));
        assertEquals(many.subList(700, 1200), seen.unseen(many));
    }

    @Test
    void idsKeptAsTextByAnEarlierVersionMoveToTheKeysAtStart() throws Exception {
        JdbcConnectionPool earlier = JdbcConnectionPool.create("jdbc:h2:mem:earlier-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        try {
            String longId = "x".repeat(5000);
            long now = clock.millis();
            try (Connection connection = earlier.getConnection(); Statement sql = connection.createStatement()) {
                sql.execute("CREATE TABLE seen_message_id (message_id VARCHAR(200) PRIMARY KEY, seen_at BIGINT NOT NULL)");
                sql.execute("INSERT INTO seen_message_id VALUES ('plain-1', " + now + "), ('" + SeenMessageIds.storedId(longId)
                        + "', " + now + "), ('old-1', " + (now - Duration.ofHours(25).toMillis()) + ")");
            }
            SeenMessageIds upgraded = new SeenMessageIds(earlier, Duration.ofHours(24), clock);

            ObjectNode fresh = event("fresh-1");
            ObjectNode old = event("old-1");
            assertEquals(List.of(old, fresh), upgraded.unseen(List.of(event("plain-1"), event(longId), old, fresh)),
                    "ids seen within the window stay seen, with the time they were seen");
            try (Connection connection = earlier.getConnection();
                    ResultSet tables = connection.getMetaData().getTables(null, null, "SEEN_MESSAGE_ID", null)) {
                assertFalse(tables.next(), "the table of ids as text is gone");
            }
            assertEquals(1, upgraded.expire(), "the id seen before the window expires as before");
        } finally {
            earlier.dispose();
        }
    }

    @Test
    void anIdIsKeptAsTheFirstHalfOfItsSha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad
        assertEquals(UUID.fromString("ba7816bf-8f01-cfea-4141-40de5dae2223"), SeenMessageIds.keyOf("abc"));
        assertNull(SeenMessageIds.keyOf(null));
    }

    private static ObjectNode event(String messageId) {
        ObjectNode event = JSON.createObjectNode().put("type", "track").put("userId", "u").put("event", "E");
        if (messageId != null) {
            event.put("messageId", messageId);
        }
        return event;
    }
}
