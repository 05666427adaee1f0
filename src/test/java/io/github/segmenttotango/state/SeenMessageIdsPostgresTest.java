package io.github.segmenttotango.state;

import io.github.segmenttotango.support.TestPostgres;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The dedup window in PostgreSQL (cluster mode): what every store does, and shared by the instances. */
@Tag("cluster")
class SeenMessageIdsPostgresTest extends SeenMessageIdsContract {

    private final TestPostgres.Database database = TestPostgres.newDatabase();
    private final StateDatabaseConnections one = database.connect();
    private final StateDatabaseConnections other = database.connect();
    private final SeenMessageIdsTable seen = new SeenMessageIdsTable(one.dataSource(), WINDOW, clock);

    @Override
    SeenMessageIds seen() {
        return seen;
    }

    @AfterEach
    void close() {
        one.stop();
        other.stop();
    }

    @Test
    void aMessageIdRememberedByOneInstanceIsSeenByAnother() {
        SeenMessageIdsTable elsewhere = new SeenMessageIdsTable(other.dataSource(), WINDOW, clock);
        seen.remember(List.of(event("sent-twice")));
        assertEquals(List.of(event("new")), elsewhere.unseen(List.of(event("sent-twice"), event("new"))));

        elsewhere.remember(List.of(event("sent-twice"), event("new")));
        assertEquals(List.of(), seen.unseen(List.of(event("new"))), "and the other way round; remembered again, no conflict");
        clock.advance(Duration.ofHours(25));
        assertEquals(2, elsewhere.expire(), "either instance expires the window of both");
    }
}
