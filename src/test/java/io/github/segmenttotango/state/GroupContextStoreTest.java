package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.mapping.GroupContext;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.segmenttotango.support.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The group context cache: by userId then anonymousId, expiring, bounded. On the embedded H2 here,
 * on PostgreSQL in {@link GroupContextStorePostgresTest}.
 */
class GroupContextStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    final SettableClock clock = new SettableClock(Instant.parse("2024-03-01T00:00:00Z"));
    private final List<Runnable> closing = new ArrayList<>();

    /** An empty state database of its own. */
    DataSource database(String name) {
        JdbcConnectionPool db = JdbcConnectionPool.create("jdbc:h2:mem:" + name + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        closing.add(db::dispose);
        return db;
    }

    /** Closes the databases of the test. */
    final void closeWhenDone(Runnable close) {
        closing.add(close);
    }

    @AfterEach
    void close() {
        closing.forEach(Runnable::run);
    }

    static JsonNode event(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void looksUpByUserIdThenAnonymousIdExpiresAndStaysBounded() throws Exception {
        DataSource db = database("cache");
        GroupContextStore store = new GroupContextTable(db, Duration.ofDays(30), 3, clock);
        store.remember(event("{\"userId\":\"u1\",\"anonymousId\":\"a1\"}"), new GroupContext("g1", null));
        store.remember(event("{\"anonymousId\":\"a2\"}"), new GroupContext("g2", "g2__p"));

        assertEquals("g1", store.lookup(event("{\"userId\":\"u1\"}")).accountId());
        assertEquals("g1", store.lookup(event("{\"userId\":\"unknown\",\"anonymousId\":\"a1\"}")).accountId(), "then by anonymousId");
        assertEquals("g2__p", store.lookup(event("{\"anonymousId\":\"a2\"}")).activityAccount());
        assertNull(store.lookup(event("{\"userId\":\"nobody\"}")));

        clock.advance(Duration.ofDays(31));
        assertNull(store.lookup(event("{\"userId\":\"u1\"}")), "expired after the ttl");
        assertEquals(3, store.expire(), "the three expired entries are removed");

        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            store.remember(event("{\"userId\":\"b" + i + "\"}"), new GroupContext("g" + i, null));
        }
        assertEquals(2, store.expire(), "trimmed to the bound, oldest first");
        assertNull(store.lookup(event("{\"userId\":\"b0\"}")));
        assertEquals("g4", store.lookup(event("{\"userId\":\"b4\"}")).accountId());
    }

    @Test
    void lastPageModulesAreKeptBesideTheGroupContextsExpiringAndBounded() throws Exception {
        DataSource db = database("modules");
        GroupContextStore store = new GroupContextTable(db, Duration.ofDays(30), 2, clock);
        store.rememberLastPageModule(event("{\"userId\":\"u1\",\"anonymousId\":\"a1\"}"), "Docs");
        store.rememberLastPageModule(event("{\"userId\":\"u2\"}"), null);
        store.remember(event("{\"userId\":\"u1\"}"), new GroupContext("g1", null));

        assertEquals("Docs", store.lastPageModule(event("{\"userId\":\"u1\"}")));
        assertEquals("Docs", store.lastPageModule(event("{\"userId\":\"other\",\"anonymousId\":\"a1\"}")), "then by anonymousId");
        assertNull(store.lastPageModule(event("{\"userId\":\"u2\"}")), "a null module is not remembered");
        assertEquals("g1", store.lookup(event("{\"userId\":\"u1\"}")).accountId(), "the group context is its own");
        clock.advance(Duration.ofSeconds(1));
        store.rememberLastPageModule(event("{\"userId\":\"u1\"}"), "Reports");
        assertEquals("Reports", store.lastPageModule(event("{\"userId\":\"u1\"}")), "the last page wins");

        GroupContextStore restarted = new GroupContextTable(db, Duration.ofDays(30), 2, clock);
        assertEquals("Reports", restarted.lastPageModule(event("{\"userId\":\"u1\"}")), "kept in the table, not only in memory");

        clock.advance(Duration.ofSeconds(1));
        restarted.rememberLastPageModule(event("{\"userId\":\"u3\"}"), "Admin");
        assertEquals(1, restarted.expire(), "the module table is trimmed to the bound, oldest first (anon:a1)");
        assertEquals("Reports", restarted.lastPageModule(event("{\"userId\":\"u1\"}")));
        clock.advance(Duration.ofDays(31));
        assertNull(restarted.lastPageModule(event("{\"userId\":\"u3\"}")), "expired after the ttl");
        assertEquals(3, restarted.expire(), "both modules and the group context go");
    }
}
