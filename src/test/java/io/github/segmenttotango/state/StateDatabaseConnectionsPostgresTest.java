package io.github.segmenttotango.state;

import io.github.segmenttotango.mapping.GroupContext;
import io.github.segmenttotango.support.SettableClock;
import io.github.segmenttotango.support.TestPostgres;
import io.github.segmenttotango.support.Wait;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connections to PostgreSQL: the schema made once, connections PostgreSQL closed replaced, reachability told. */
@Tag("cluster")
class StateDatabaseConnectionsPostgresTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final TestPostgres.Database database = TestPostgres.newDatabase();
    private final StateDatabaseConnections connections = database.connect();

    @AfterEach
    void close() throws Exception {
        connections.stop();
        allowConnections(true);
    }

    @Test
    void theSchemaIsMadeOnceWhateverTheInstancesStarting() throws Exception {
        StateDatabaseConnections second = database.connect();
        second.stop();
        try (Connection connection = connections.dataSource().getConnection(); Statement select = connection.createStatement();
                ResultSet rows = select.executeQuery("SELECT version, success FROM state_schema_history WHERE version IS NOT NULL"
                        + " ORDER BY installed_rank")) {
            for (String version : List.of("1", "2")) {
                assertTrue(rows.next(), "version " + version + " applied");
                assertEquals(version, rows.getString(1));
                assertTrue(rows.getBoolean(2));
            }
            assertTrue(!rows.next(), "each applied once");
        }
    }

    /**
     * Instances of a Deployment start at once on a new database: each starts, and each script is
     * applied once; ten rounds of six. (Without a lock around the whole migration, Flyway's baseline
     * of a schema that another instance had just begun failed a start in the second round: "Unable to
     * baseline schema history table ... as it already exists, and is empty"; seen first in
     * ClusterProcessTest, three processes on one new database.)
     */
    @Test
    void instancesStartingAtOnceOnANewDatabaseAllStart() throws Exception {
        for (int round = 0; round < 10; round++) {
            startAtOnce(TestPostgres.newDatabase(), 6);
        }
    }

    private static void startAtOnce(TestPostgres.Database fresh, int instances) throws Exception {
        ExecutorService starts = Executors.newFixedThreadPool(instances);
        CountDownLatch ready = new CountDownLatch(instances);
        List<Future<StateDatabaseConnections>> started = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            started.add(starts.submit(() -> {
                ready.countDown();
                ready.await();
                return fresh.connect();
            }));
        }
        List<StateDatabaseConnections> all = new ArrayList<>();
        try {
            for (Future<StateDatabaseConnections> start : started) {
                all.add(start.get(60, TimeUnit.SECONDS));
            }
            try (Connection connection = all.get(0).dataSource().getConnection(); Statement select = connection.createStatement();
                    ResultSet rows = select.executeQuery("SELECT version, count(*) FROM state_schema_history"
                            + " WHERE version IS NOT NULL AND success GROUP BY version ORDER BY version")) {
                for (String version : List.of("1", "2")) {
                    assertTrue(rows.next(), "version " + version + " applied");
                    assertEquals(version, rows.getString(1));
                    assertEquals(1, rows.getInt(2), "version " + version + " applied once");
                }
            }
        } finally {
            starts.shutdownNow();
            for (StateDatabaseConnections one : all) {
                one.stop();
            }
        }
    }

    @Test
    void connectionsPostgresClosedAreReplacedWithoutARestart() throws Exception {
        GroupContextTable store = new GroupContextTable(connections.dataSource(), Duration.ofDays(30), 1000, clock);
        store.remember(JSON.readTree("{\"userId\":\"u1\"}"), new GroupContext("acme", null));
        int closed = terminateConnections();
        assertTrue(closed > 0, "the pool's connections were closed by PostgreSQL: " + closed);

        clock.advance(GroupContextTable.LOCAL_TTL);
        GroupContext found = Wait.atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                return store.lookup(JSON.readTree("{\"userId\":\"u1\"}"));
            } catch (IllegalStateException closedConnection) {
                return null;
            }
        }, context -> context != null);
        assertEquals("acme", found.accountId());
    }

    @Test
    void unreachableSaysWhyWhilePostgresRefusesAndNothingOnceItAnswers() throws Exception {
        assertNull(connections.unreachable());
        allowConnections(false);
        String why = connections.unreachable();
        assertTrue(why != null && why.contains("not currently accepting connections"), why);
        allowConnections(true);
        assertNull(connections.unreachable());

        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> new StateDatabaseConnections(
                "jdbc:postgresql://127.0.0.1:" + io.github.segmenttotango.support.BundleProcess.freePort() + "/state", "u", "pw-never-shown"));
        assertTrue(refused.getMessage().startsWith("The state database (PostgreSQL at jdbc:postgresql://127.0.0.1:"), refused.getMessage());
        assertTrue(!refused.getMessage().contains("pw-never-shown"), refused.getMessage());
    }

    private String name() {
        return database.url().substring(database.url().lastIndexOf('/') + 1);
    }

    private int terminateConnections() throws Exception {
        try (Connection admin = TestPostgres.administration().getConnection();
                PreparedStatement terminate = admin.prepareStatement(
                        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ?")) {
            terminate.setString(1, name());
            try (ResultSet count = terminate.executeQuery()) {
                count.next();
                return count.getInt(1);
            }
        }
    }

    private void allowConnections(boolean allow) throws Exception {
        try (Connection admin = TestPostgres.administration().getConnection(); Statement alter = admin.createStatement()) {
            alter.execute("ALTER DATABASE " + name() + " ALLOW_CONNECTIONS " + allow);
        }
    }
}
