package io.github.segmenttotango.state;

import io.github.segmenttotango.support.TestPostgres;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read locks instances share in PostgreSQL (the clustered file drop's): one holder at a time,
 * released on remove, and the lock of an instance that died taken over once it is older than the
 * maximum age, then kept alive by its new holder.
 */
@Tag("cluster")
class ReadLockTablePostgresTest {

    private static final Duration MAX_AGE = Duration.ofSeconds(1);
    private static final Duration KEEP_ALIVE = Duration.ofMillis(100);

    private final TestPostgres.Database database = TestPostgres.newDatabase();
    private final StateDatabaseConnections one = database.connect();
    private final StateDatabaseConnections other = database.connect();
    private final CamelContext context = new DefaultCamelContext();
    private ReadLockTable first;
    private ReadLockTable second;

    @BeforeEach
    void start() {
        context.start();
        first = started(one);
        second = started(other);
    }

    @AfterEach
    void stop() {
        first.shutdown();
        second.shutdown();
        context.stop();
        one.stop();
        other.stop();
    }

    private ReadLockTable started(StateDatabaseConnections connections) {
        ReadLockTable locks = new ReadLockTable(connections.dataSource(), "inbox", MAX_AGE, KEEP_ALIVE, context);
        locks.start();
        return locks;
    }

    @Test
    void oneInstanceHoldsALockUntilItReleasesIt() {
        assertTrue(first.add("export.ndjson"));
        assertFalse(second.add("export.ndjson"), "held by the first");
        assertTrue(second.add("other.ndjson"), "another file is another lock");
        first.remove("export.ndjson");
        assertTrue(second.add("export.ndjson"), "released");
    }

    @Test
    void ofInstancesTakingTheSameFileAtOnceOneGetsIt() throws Exception {
        List<ReadLockTable> instances = new ArrayList<>(List.of(first, second));
        List<StateDatabaseConnections> more = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            StateDatabaseConnections connections = database.connect();
            more.add(connections);
            instances.add(started(connections));
        }
        ExecutorService threads = Executors.newFixedThreadPool(instances.size());
        try {
            for (int file = 0; file < 50; file++) {
                String name = "race-" + file + ".ndjson";
                List<Callable<Boolean>> takes = instances.stream().map(locks -> (Callable<Boolean>) () -> locks.add(name)).toList();
                int holders = 0;
                for (Future<Boolean> taken : threads.invokeAll(takes)) {
                    holders += taken.get() ? 1 : 0;
                }
                assertEquals(1, holders, name + " taken by " + holders + " instances");
            }
        } finally {
            threads.shutdownNow();
            instances.subList(2, instances.size()).forEach(ReadLockTable::shutdown);
            more.forEach(StateDatabaseConnections::stop);
        }
    }

    @Test
    void aLockLeftByADeadInstanceIsTakenOverAndThenKeptAliveByItsNewHolder() throws Exception {
        leftByADeadInstance("export.ndjson", MAX_AGE.multipliedBy(2));
        assertTrue(first.add("export.ndjson"), "the dead instance's lock is taken over");
        assertFalse(second.add("export.ndjson"), "and held");

        // longer than the maximum age: the new holder's keep-alive refreshed it meanwhile
        Thread.sleep(MAX_AGE.multipliedBy(2).toMillis());
        assertFalse(second.add("export.ndjson"), "the lock taken over is kept alive by its new holder");

        // its holder dies: the keep-alive ends
        first.shutdown();
        Thread.sleep(MAX_AGE.multipliedBy(2).toMillis());
        assertTrue(second.add("export.ndjson"), "once its holder stops refreshing it, it is taken over again");
    }

    @Test
    void aMaximumAgeBelowTwiceTheKeepAliveIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new ReadLockTable(one.dataSource(), "inbox", Duration.ofSeconds(1), Duration.ofMillis(600), context));
    }

    private void leftByADeadInstance(String file, Duration age) throws Exception {
        try (Connection connection = one.dataSource().getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO read_lock (processorName, messageId, createdAt) VALUES ('inbox', ?, ?)")) {
            insert.setString(1, file);
            insert.setTimestamp(2, new Timestamp(System.currentTimeMillis() - age.toMillis()));
            insert.executeUpdate();
        }
    }
}
