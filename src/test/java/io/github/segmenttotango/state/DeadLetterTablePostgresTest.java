package io.github.segmenttotango.state;

import io.github.segmenttotango.admin.DeadLetterAdmin;
import io.github.segmenttotango.deadletter.DeadLetters;
import io.github.segmenttotango.ingest.IngestException;
import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.support.TestPostgres;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dead letters on PostgreSQL (cluster mode): the tests of {@link DeadLetterTableTest}, and the admin
 * API of one instance answering for the letters another kept.
 */
@Tag("cluster")
class DeadLetterTablePostgresTest extends DeadLetterTableTest {

    private final TestPostgres.Database database = TestPostgres.newDatabase();

    @Override
    DataSource database() {
        StateDatabaseConnections connections = database.connect();
        closeWhenDone(connections::stop);
        return connections.dataSource();
    }

    @Test
    void aDeadLetterKeptByOneInstanceIsListedReplayedAndDeletedThroughAnother() throws Exception {
        DeadLetterStore oneStore = new DeadLetterTable(database(), RETENTION, clock);
        DeadLetters one = new DeadLetters(oneStore, null, 1 << 20, clock);
        DeadLetterStore otherStore = new DeadLetterTable(database(), RETENTION, clock);
        DeadLetterAdmin other = new DeadLetterAdmin(otherStore, new ParkedEventsTable(database(), Duration.ofHours(24), clock),
                IngestLimits.segmentDefaults());

        one.keepEvent(JSON.readTree("{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u1\",\"messageId\":\"m-a\"}"),
                "no_account", "no group call");
        clock.advance(Duration.ofMillis(5));
        one.keepEvent(JSON.readTree("{\"type\":\"track\",\"event\":\"Upgraded\",\"userId\":\"u2\",\"messageId\":\"m-b\"}"),
                "no_account", "no group call");
        clock.advance(Duration.ofMillis(5));
        one.keep(DeadLetter.call("totango_4xx", "400").messageId("m-c").payload(new TotangoCall("m-c", "u3", Map.of("sdr_s", "S", "sdr_a", "acme"))));

        JsonNode listed = JSON.readTree(other.list("no_account", null, null).json());
        assertEquals(2, listed.get("total").asInt());
        assertEquals("m-a", listed.get("items").get(0).get("messageId").asText());

        List<String> chosen = other.select("{\"reason\":\"no_account\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(2, chosen.size(), "chosen for replay on the other instance");
        DeadLetter first = other.load(chosen.get(0));
        assertEquals("Signed Up", other.eventOf(first).get("event").asText(), "the event the first instance kept, to route again");
        String callId = other.select("{\"reason\":\"totango_4xx\"}".getBytes(StandardCharsets.UTF_8)).get(0);
        assertTrue(other.holdsCall(other.load(callId)));
        assertEquals(new TotangoCall("m-c", "u3", Map.of("sdr_s", "S", "sdr_a", "acme")), other.callOf(other.load(callId)).get(0),
                "the call the first instance kept, to queue again");

        assertEquals("{\"deleted\":2}", other.deleteSelected("{\"reason\":\"no_account\"}".getBytes(StandardCharsets.UTF_8)).json());
        assertNull(oneStore.load(first.id()), "gone for the first instance too");
        assertEquals(200, other.delete(callId).status());
        assertEquals(0, oneStore.page(null, 0, 10).total());
        IngestException gone = assertThrows(IngestException.class, () -> other.delete(callId));
        assertEquals(404, gone.status());
    }
}
