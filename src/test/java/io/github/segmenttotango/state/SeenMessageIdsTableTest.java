package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class SeenMessageIdsTableTest extends SeenMessageIdsContract {

    private final JdbcConnectionPool dataSource = JdbcConnectionPool.create(
            "jdbc:h2:mem:seen-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    private final SeenMessageIdsTable seen = new SeenMessageIdsTable(dataSource, WINDOW, clock);

    @Override
    SeenMessageIds seen() {
        return seen;
    }

    @AfterEach
    void close() {
        dataSource.dispose();
    }

    @Test
    void idsSeenBeforeTheWindowAreDeleted() {
        seen.remember(List.of(event("a")));
        clock.advance(Duration.ofHours(25));
        assertEquals(1, seen.expire());
        assertEquals(0, seen.expire());
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
            SeenMessageIdsTable upgraded = new SeenMessageIdsTable(earlier, WINDOW, clock);

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
}
