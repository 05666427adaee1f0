package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.support.SettableClock;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dead letters: files, indexed in the state database so that a page costs a page, dropped after their retention. */
class DeadLetterStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T00:00:00Z"));

    private static JdbcConnectionPool database() {
        return JdbcConnectionPool.create("jdbc:h2:mem:letters" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    private DeadLetterStore store(Path folder, JdbcConnectionPool db) {
        return new DeadLetterFiles(folder, db, Duration.ofDays(30), clock).open();
    }

    private DeadLetter letter(String reason, int i, String source) {
        return DeadLetter.event(reason, "detail " + i).messageId("m-" + i).userId("u").type("track").payload(event(i))
                .source(source).build(clock.instant());
    }

    private static ObjectNode event(int i) {
        return JSON.createObjectNode().put("type", "nope").put("userId", "u").put("messageId", "m-" + i).put("pad", "x".repeat(100));
    }

    @Test
    void pagesReadOnlyTheirOwnLettersAndReasonsFilterInTheIndex(@TempDir Path folder) {
        DeadLetterStore store = store(folder, database());
        for (int i = 0; i < 30; i++) {
            clock.advance(Duration.ofMillis(1));
            store.write(letter(i % 3 == 0 ? "no_account" : "invalid_event", i, "http"));
        }
        DeadLetterStore.Page first = store.page(null, 0, 7);
        assertEquals(30, first.total());
        assertEquals(List.of("m-0", "m-1", "m-2", "m-3", "m-4", "m-5", "m-6"), first.items().stream().map(DeadLetter::messageId).toList());
        DeadLetterStore.Page noAccount = store.page("no_account", 2, 100);
        assertEquals(10, noAccount.total());
        assertEquals(List.of("m-6", "m-9", "m-12", "m-15", "m-18", "m-21", "m-24", "m-27"),
                noAccount.items().stream().map(DeadLetter::messageId).toList());
        assertEquals(0, store.page(null, Integer.MAX_VALUE, 500).items().size());

        String gone = first.items().get(0).id();
        assertTrue(store.delete(gone));
        assertNull(store.load(gone));
        assertEquals(29, store.page(null, 0, 1).total());
    }

    @Test
    void lettersWrittenBeforeTheIndexAreIndexedAtStartAndOldOnesAreDropped(@TempDir Path folder) throws Exception {
        DeadLetterStore before = store(folder, database());
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(1));
            before.write(letter("invalid_event", i, "http"));
        }
        DeadLetterStore after = store(folder, database());
        assertEquals(5, after.page(null, 0, 10).total(), "a fresh index finds the letters in the folder");
        assertEquals(before.bytes(), after.bytes(), "and their size");
        assertEquals(5, after.page("invalid_event", 0, 10).items().size());

        clock.advance(Duration.ofDays(31));
        after.write(DeadLetter.event("no_account", "d").messageId("recent").payload(event(99)).build(clock.instant()));
        assertEquals(5, after.expire(), "letters past the retention are dropped");
        assertEquals(List.of("recent"), after.page(null, 0, 10).items().stream().map(DeadLetter::messageId).toList());
        try (var files = Files.list(folder)) {
            assertEquals(1, files.count(), "their files too");
        }
    }
}
