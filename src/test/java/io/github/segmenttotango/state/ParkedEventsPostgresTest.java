package io.github.segmenttotango.state;

import io.github.segmenttotango.support.TestPostgres;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Parked events on PostgreSQL (cluster mode): the tests of {@link ParkedEventsTableTest}, and two
 * instances on one database.
 */
@Tag("cluster")
class ParkedEventsPostgresTest extends ParkedEventsTableTest {

    private final TestPostgres.Database database = TestPostgres.newDatabase();

    @Override
    DataSource database() {
        StateDatabaseConnections connections = database.connect();
        closeWhenDone(connections::stop);
        return connections.dataSource();
    }

    @Test
    void anEventParkedByOneInstanceIsReleasedByTheGroupCallOfAnother() {
        ParkedEvents one = new ParkedEventsTable(database(), WINDOW, clock);
        ParkedEvents other = new ParkedEventsTable(database(), WINDOW, clock);
        one.park(event("m1", "u1", null));
        one.park(event("m2", null, "a\u0000b"));
        assertEquals(2, other.count());
        assertEquals(List.of("m1", "m2"), messageIds(other.release(group("u1", "a\u0000b"), null)));
        assertEquals(0, one.count());
    }

    @Test
    void twoInstancesTakingExpiredEventsAtOnceTakeEachOnce() throws Exception {
        ParkedEvents one = new ParkedEventsTable(database(), WINDOW, clock);
        ParkedEvents other = new ParkedEventsTable(database(), WINDOW, clock);
        for (int i = 0; i < 200; i++) {
            one.park(event("m" + i, "u" + i, null));
        }
        clock.advance(WINDOW.plus(Duration.ofMinutes(1)));
        ExecutorService both = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<JsonNode>>> taken = new ArrayList<>();
            for (Callable<List<JsonNode>> take : List.<Callable<List<JsonNode>>>of(one::expired, other::expired)) {
                taken.add(both.submit(take));
            }
            List<String> all = new ArrayList<>(messageIds(taken.get(0).get()));
            all.addAll(messageIds(taken.get(1).get()));
            assertEquals(200, all.size(), "each expired event becomes one dead letter, not two: " + all.size());
            assertEquals(200, all.stream().distinct().count());
        } finally {
            both.shutdown();
        }
    }
}
