package io.github.segmenttotango;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.github.segmenttotango.ingest.QueuedEventsRetry;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static io.github.segmenttotango.support.RunningBundle.accepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state database (dedup, group contexts, parked events) failing under the routing of queued
 * events: requests are still acknowledged, their events wait on the events queue while the routing
 * is retried after a growing delay, and once the database is back they reach Totango in the order
 * they came, once each.
 */
class StateDatabaseOutageTest {

    private final Logger retryLog = (Logger) LoggerFactory.getLogger(QueuedEventsRetry.class);
    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    private final Logger rootLog = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> everything = new ListAppender<>();
    private TotangoStandIn totango;
    private RunningBundle bundle;

    @BeforeEach
    void start() throws Exception {
        warnings.start();
        retryLog.addAppender(warnings);
        everything.start();
        rootLog.addAppender(everything);
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango);
    }

    @AfterEach
    void stop() {
        bundle.close();
        totango.close();
        retryLog.detachAppender(warnings);
        rootLog.detachAppender(everything);
    }

    @Test
    void eventsWaitOnTheQueueWhileTheStateDatabaseFailsAndArriveInOrderOnceItIsBack() throws Exception {
        accepted(bundle.post("/v1/track", """
                {"userId":"outage-u","event":"Before","messageId":"outage-0","context":{"groupId":"outage-g"}}"""));
        totango.awaitUser("outage-u", 1);

        // the dedup table goes away: every routing of queued events fails on its first query
        sql("ALTER TABLE seen_message_id RENAME TO seen_message_id_away");
        everything.list.clear();
        for (String event : List.of("First", "Second", "Third")) {
            accepted(bundle.post("/v1/track", """
                    {"userId":"outage-u","event":"%s","messageId":"outage-%s","context":{"groupId":"outage-g"}}"""
                    .formatted(event, event)));
        }
        TotangoStandIn.sleep(2_500);
        assertEquals(1, totango.forUser("outage-u").size(), "nothing is routed while the state database fails");
        String metrics = bundle.send(bundle.request("/observe/metrics").GET().build()).body();
        assertTrue(metrics.contains("segment_requests_queued 3.0"), "the three requests wait on the events queue: " + metrics);
        assertEquals(List.of(), bundle.deadLetters(), "a failing state database makes no dead letter");
        List<String> failures = warnings.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.startsWith("Routing queued events failed")).toList();
        // attempts after 0, 1 and 3 s: not one per tick of the routing's timer (every millisecond)
        assertTrue(failures.size() >= 1 && failures.size() <= 3, "attempts with a growing delay: " + failures);
        assertTrue(failures.get(0).contains("SEEN_MESSAGE_ID"), "the warning says what failed: " + failures.get(0));
        List<String> otherComplaints = everything.list.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN) && !event.getLoggerName().equals(QueuedEventsRetry.class.getName()))
                .map(event -> event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()).toList();
        assertEquals(List.of(), otherComplaints, "one warning per attempt, and no error with a stack trace beside it");

        sql("ALTER TABLE seen_message_id_away RENAME TO seen_message_id");
        // the routing is retried with a growing delay (1 s, 2 s, 4 s, ...)
        List<Received> calls = totango.await(r -> "outage-u".equals(r.param("sdr_u")), 4, Duration.ofSeconds(30));
        assertEquals(List.of("Before", "First", "Second", "Third"), calls.stream().map(c -> c.param("sdr_a")).toList(),
                "the events arrive in the order they came");
        TotangoStandIn.sleep(500);
        assertEquals(4, totango.forUser("outage-u").size(), "each event is delivered once");
        assertEquals(List.of(), bundle.deadLetters());
    }

    /**
     * A batch's calls are committed before its messageIds are remembered: when remembering fails, the
     * calls go out all the same, remembering is retried with a growing delay (the route's redelivery)
     * until the database takes them, and only then does the reader go on; a copy sent again after
     * that is a duplicate.
     */
    @Test
    void aBatchWhoseMessageIdsCannotBeRememberedIsDeliveredOnceAndRememberedOnceTheDatabaseTakesThem() throws Exception {
        accepted(bundle.post("/v1/track", """
                {"userId":"remember-u","event":"Before","messageId":"remember-0","context":{"groupId":"remember-g"}}"""));
        totango.awaitUser("remember-u", 1);

        sql("ALTER TABLE seen_message_id ADD CONSTRAINT refuses_poison CHECK (message_id NOT LIKE 'poison%')");
        everything.list.clear();
        String first = """
                {"userId":"remember-u","event":"First","messageId":"poison-1","context":{"groupId":"remember-g"}}""";
        accepted(bundle.post("/v1/track", first));
        assertEquals("First", totango.awaitUser("remember-u", 2).get(1).param("sdr_a"),
                "the calls were committed before the messageIds failed to be remembered");
        accepted(bundle.post("/v1/track", """
                {"userId":"remember-u","event":"Second","messageId":"remember-2","context":{"groupId":"remember-g"}}"""));
        TotangoStandIn.sleep(1_500);
        assertEquals(2, totango.forUser("remember-u").size(), "the reader waits while the batch before is not remembered");
        assertTrue(everything.list.stream().anyMatch(event -> event.getLevel() == Level.WARN
                && event.getFormattedMessage().contains("REFUSES_POISON")), "each attempt is a warning that says why");

        sql("ALTER TABLE seen_message_id DROP CONSTRAINT refuses_poison");
        List<Received> calls = totango.await(r -> "remember-u".equals(r.param("sdr_u")), 3, Duration.ofSeconds(30));
        assertEquals(List.of("Before", "First", "Second"), calls.stream().map(c -> c.param("sdr_a")).toList());
        accepted(bundle.post("/v1/track", first));
        TotangoStandIn.sleep(1_000);
        assertEquals(3, totango.forUser("remember-u").size(), "First was remembered in the end: sent again, it is a duplicate");
        assertEquals(List.of(), bundle.deadLetters());
    }

    private void sql(String statement) throws SQLException {
        DataSource state = bundle.camelContext().getRegistry().lookupByNameAndType("stateDataSource", DataSource.class);
        try (Connection connection = state.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute(statement);
        }
    }
}
