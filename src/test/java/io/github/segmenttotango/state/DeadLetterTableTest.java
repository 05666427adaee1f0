package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.support.SettableClock;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dead letters as rows of the state database (cluster mode's store): paged, filtered by reason and
 * time, loaded, deleted, dropped after their retention. On H2 here, on PostgreSQL in
 * {@link DeadLetterTablePostgresTest}.
 */
class DeadLetterTableTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration RETENTION = Duration.ofDays(30);
    final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final List<Runnable> closing = new ArrayList<>();

    /** An empty state database (a second call: another instance on the same one, where databases are shared). */
    DataSource database() {
        JdbcConnectionPool db = JdbcConnectionPool.create("jdbc:h2:mem:dead" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
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

    DeadLetter letter(String reason, int i) {
        return DeadLetter.event(reason, "detail " + i).messageId("m-" + i).userId("u").type("track").payload(event(i))
                .source("http").build(clock.instant());
    }

    static ObjectNode event(int i) {
        return JSON.createObjectNode().put("type", "nope").put("userId", "u").put("messageId", "m-" + i).put("pad", "x".repeat(100));
    }

    @Test
    void pagesFilterByReasonAndTimeAndALetterComesBackAsItWasKept() {
        DeadLetterStore store = new DeadLetterTable(database(), RETENTION, clock);
        for (int i = 0; i < 30; i++) {
            clock.advance(Duration.ofMillis(1));
            store.write(letter(i % 3 == 0 ? "no_account" : "invalid_event", i));
        }
        DeadLetterStore.Page first = store.page(null, 0, 7);
        assertEquals(30, first.total());
        assertEquals(List.of("m-0", "m-1", "m-2", "m-3", "m-4", "m-5", "m-6"), first.items().stream().map(DeadLetter::messageId).toList());
        DeadLetterStore.Page noAccount = store.page("no_account", 2, 100);
        assertEquals(10, noAccount.total());
        assertEquals(List.of("m-6", "m-9", "m-12", "m-15", "m-18", "m-21", "m-24", "m-27"),
                noAccount.items().stream().map(DeadLetter::messageId).toList());
        long start = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
        assertEquals(List.of("m-4", "m-5"), store.page(null, start + 5, start + 7, 0, 10).items().stream().map(DeadLetter::messageId).toList(),
                "since included, until not");
        assertEquals(0, store.page(null, Integer.MAX_VALUE, 500).items().size());
        assertEquals(List.of(first.items().get(0).id(), first.items().get(3).id()), store.ids("no_account", 0, 2));

        DeadLetter kept = first.items().get(1);
        DeadLetter loaded = store.load(kept.id());
        assertEquals(kept.id(), loaded.id());
        assertEquals(DeadLetter.EVENT, loaded.kind());
        assertEquals("invalid_event", loaded.reason());
        assertEquals(Map.of("type", "nope", "userId", "u", "messageId", "m-1", "pad", "x".repeat(100)), loaded.payload());
        assertTrue(store.bytes() > 30 * 100, "the size of the letters: " + store.bytes());

        assertTrue(store.delete(kept.id()));
        assertFalse(store.delete(kept.id()), "gone");
        assertNull(store.load(kept.id()));
        assertNull(store.load("../../etc/passwd"), "an id that no letter can have");
        assertEquals(29, store.page(null, 0, 1).total());
    }

    @Test
    void lettersOlderThanTheRetentionAreDropped() {
        DeadLetterStore store = new DeadLetterTable(database(), RETENTION, clock);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(1));
            store.write(letter("invalid_event", i));
        }
        clock.advance(Duration.ofDays(31));
        store.write(DeadLetter.call("retries_exhausted", "d").messageId("recent").payload(Map.of("sdr_s", "S")).build(clock.instant()));
        assertEquals(5, store.expire(), "letters past the retention are dropped");
        assertEquals(List.of("recent"), store.page(null, 0, 10).items().stream().map(DeadLetter::messageId).toList());
        assertTrue(store.page(null, 0, 10).items().get(0).holdsCall());
        assertEquals(0, store.expire());
    }
}
