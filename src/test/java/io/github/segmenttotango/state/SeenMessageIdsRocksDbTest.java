package io.github.segmenttotango.state;

import io.github.segmenttotango.support.Scratch;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeenMessageIdsRocksDbTest extends SeenMessageIdsContract {

    private final Path folder = scratchFolder();
    private SeenMessageIdsRocksDb seen = new SeenMessageIdsRocksDb(folder.resolve("dedup"), folder.resolve("native"), WINDOW, clock);

    @Override
    SeenMessageIds seen() {
        return seen;
    }

    @AfterEach
    void close() {
        seen.stop();
        Scratch.delete(folder);
    }

    @Test
    void theIdsSeenSurviveARestart() {
        seen.remember(List.of(event("kept-1")));
        seen.stop();
        seen = new SeenMessageIdsRocksDb(folder.resolve("dedup"), folder.resolve("native"), WINDOW, clock);
        assertEquals(List.of(), seen.unseen(List.of(event("kept-1"))));
    }

    @Test
    void itTakesOverTheIdsTheStateDatabaseKeptWithinTheWindowWithTheirTimeAndDropsTheTable() throws Exception {
        JdbcConnectionPool state = JdbcConnectionPool.create("jdbc:h2:mem:moved-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        try {
            SeenMessageIdsTable table = new SeenMessageIdsTable(state, WINDOW, clock);
            table.remember(List.of(event("old-1")));
            clock.advance(Duration.ofHours(20));
            table.remember(List.of(event("recent-1")));
            clock.advance(Duration.ofHours(5));

            assertTrue(SeenMessageIdsTable.existsIn(state));
            assertEquals(1, seen.moveFrom(new SeenMessageIdsTable(state, WINDOW, clock)), "only the id seen within the window moves");
            assertFalse(SeenMessageIdsTable.existsIn(state), "the table is gone");
            assertEquals(List.of(event("old-1")), seen.unseen(List.of(event("old-1"), event("recent-1"))));
            clock.advance(Duration.ofHours(20));
            assertEquals(List.of(event("recent-1")), seen.unseen(List.of(event("recent-1"))),
                    "the id keeps the time it was seen, not the time it moved");
        } finally {
            state.dispose();
        }
    }

    @Test
    void aTableOfAnEarlierVersionIsFoundEvenWithOnlyIdsAsText() throws Exception {
        JdbcConnectionPool state = JdbcConnectionPool.create("jdbc:h2:mem:text-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        try (Connection connection = state.getConnection(); Statement sql = connection.createStatement()) {
            assertFalse(SeenMessageIdsTable.existsIn(state));
            sql.execute("CREATE TABLE seen_message_id (message_id VARCHAR(200) PRIMARY KEY, seen_at BIGINT NOT NULL)");
            sql.execute("INSERT INTO seen_message_id VALUES ('text-1', " + clock.millis() + ")");
            assertTrue(SeenMessageIdsTable.existsIn(state));
            assertEquals(1, seen.moveFrom(new SeenMessageIdsTable(state, WINDOW, clock)));
            assertEquals(List.of(), seen.unseen(List.of(event("text-1"))));
            assertFalse(SeenMessageIdsTable.existsIn(state));
        } finally {
            state.dispose();
        }
    }

    @Test
    void aSecondStoreOnTheSameFolderIsRefusedWithTheReason() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new SeenMessageIdsRocksDb(folder.resolve("dedup"), folder.resolve("native"), WINDOW, clock));
        assertTrue(refused.getMessage().contains(folder.resolve("dedup").toString()) && refused.getMessage().contains("LOCK"), refused.getMessage());
    }

    @Test
    void aClosedStoreRefusesToBeUsedInsteadOfCrashing() {
        seen.stop();
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> seen.unseen(List.of(event("late-1"))));
        assertTrue(refused.getMessage().contains("closed"), refused.getMessage());
        seen.stop();
    }

    private static Path scratchFolder() {
        try {
            return Files.createTempDirectory("seen-message-ids");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
