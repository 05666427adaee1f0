package io.github.segmenttotango.state;

import io.github.segmenttotango.mapping.GroupContext;
import io.github.segmenttotango.support.TestPostgres;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The group context cache on PostgreSQL (cluster mode): the tests of {@link GroupContextStoreTest},
 * and two instances on one database, as two bundle instances are.
 */
@Tag("cluster")
class GroupContextStorePostgresTest extends GroupContextStoreTest {

    private final TestPostgres.Database database = TestPostgres.newDatabase();

    /** A pool of its own on the test's database (a second call: a second instance on the same database). */
    @Override
    DataSource database(String name) {
        StateDatabaseConnections connections = database.connect();
        closeWhenDone(connections::stop);
        return connections.dataSource();
    }

    @Test
    void aGroupCallTakenByOneInstanceServesTheEventsOfAnother() throws Exception {
        GroupContextStore one = new GroupContextTable(database("one"), Duration.ofDays(30), 1000, clock);
        GroupContextStore other = new GroupContextTable(database("other"), Duration.ofDays(30), 1000, clock);

        one.remember(event("{\"userId\":\"u1\",\"anonymousId\":\"a1\"}"), new GroupContext("acme", "acme__p"));
        assertEquals("acme__p", other.lookup(event("{\"userId\":\"u1\"}")).activityAccount());
        assertEquals("acme", other.lookup(event("{\"anonymousId\":\"a1\"}")).accountId(), "by anonymousId too");

        assertNull(other.lookup(event("{\"userId\":\"u2\"}")), "no group call for u2 yet");
        one.remember(event("{\"userId\":\"u2\"}"), new GroupContext("globex", null));
        clock.advance(GroupContextTable.LOCAL_TTL);
        assertEquals("globex", other.lookup(event("{\"userId\":\"u2\"}")).accountId(),
                "a user the other instance found without a context is looked up again within a minute");

        other.remember(event("{\"userId\":\"u1\"}"), new GroupContext("initech", null));
        one.remember(event("{\"userId\":\"u1\"}"), new GroupContext("initech", null));
        other.rememberLastPageModule(event("{\"userId\":\"u1\"}"), "Reports");
        assertEquals("Reports", one.lastPageModule(event("{\"userId\":\"u1\"}")));
    }

    @Test
    void anIdWithANulCharacterIsKeptRatherThanRefused() throws Exception {
        GroupContextStore store = new GroupContextTable(database("nul"), Duration.ofDays(30), 1000, clock);
        store.remember(event("{\"userId\":\"u\\u0000x\"}"), new GroupContext("acme", null));
        GroupContextStore restarted = new GroupContextTable(database("nul-again"), Duration.ofDays(30), 1000, clock);
        assertEquals("acme", restarted.lookup(event("{\"userId\":\"u\\u0000x\"}")).accountId());
    }
}
