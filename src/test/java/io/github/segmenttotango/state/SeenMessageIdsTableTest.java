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
}
