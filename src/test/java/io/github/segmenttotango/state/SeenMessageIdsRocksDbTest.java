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
