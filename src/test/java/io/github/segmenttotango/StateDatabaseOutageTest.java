package io.github.segmenttotango;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.github.segmenttotango.ingest.QueuedEventsRetry;
import io.github.segmenttotango.state.SeenMessageIds;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;
import io.github.segmenttotango.support.Wait;

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
import java.util.Map;

import static io.github.segmenttotango.support.RunningBundle.accepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state database (dedup, group contexts, parked events) failing under the routing of queued
 * events: requests are still acknowledged, their events wait on the events queue while the routing
 * is retried after a growing delay, and once the database is back they reach Totango in the order
 * they came, once each.
 *
 * <p>The bundle keeps its dedup window in the state database here ({@code segment.dedup-store=state-database}),
 * so that the tests can make the database fail where every batch touches it; the routes treat a
 * failing RocksDB store (the default) the same way, since both fail the reader's step with an exception.
 */
class StateDatabaseOutageTest {

    private final Logger rootLog = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> everything = new ListAppender<>();
    private TotangoStandIn totango;
    private RunningBundle bundle;

    @BeforeEach
    void start() throws Exception {
        everything.start();
        rootLog.addAppender(everything);
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango, Map.of("segment.dedup-store", "state-database"));
    }

    @AfterEach
    void stop() {
        bundle.close();
        totango.close();
        rootLog.detachAppender(everything);
    }

    @Test
    void eventsWaitOnTheQueueWhileTheStateDatabaseFailsAndArriveInOrderOnceItIsBack() throws Exception {
        track("outage-u", "Before", "outage-0");
        totango.awaitUser("outage-u", 1);
        // its messageId is remembered once its call is queued, which Totango can receive first
        Wait.atMost(Duration.ofSeconds(15)).until(() -> count("SELECT COUNT(*) FROM seen_message_key") == 1);

        // the dedup table goes away: every routing of queued events fails on its first query
        sql("ALTER TABLE seen_message_key RENAME TO seen_message_key_away");
        forgetLogged();
        for (String event : List.of("First", "Second", "Third")) {
            track("outage-u", event, "outage-" + event);
        }
        // two attempts failed (the second a second after the first): the events had their chance
        Wait.atMost(Duration.ofSeconds(15)).until(() -> routingFailures().size() >= 2);
        assertEquals(1, totango.forUser("outage-u").size(), "nothing is routed while the state database fails");
        String metrics = bundle.send(bundle.request("/observe/metrics").GET().build()).body();
        assertTrue(metrics.contains("segment_requests_queued 3.0"), "the three requests wait on the events queue: " + metrics);
        assertEquals(List.of(), bundle.deadLetters(), "a failing state database makes no dead letter");
        List<ILoggingEvent> logged = logged();
        List<String> failures = routingFailures();
        // attempts after 0, 1 and 3 s: not one per tick of the routing's timer (every millisecond)
        assertTrue(failures.size() >= 1 && failures.size() <= 3, "attempts with a growing delay: " + failures);
        assertTrue(failures.get(0).contains("SEEN_MESSAGE_KEY"), "the warning says what failed: " + failures.get(0));
        List<String> otherComplaints = logged.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN) && !event.getLoggerName().equals(QueuedEventsRetry.class.getName()))
                .map(event -> event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()).toList();
        assertEquals(List.of(), otherComplaints, "one warning per attempt, and no error with a stack trace beside it");

        sql("ALTER TABLE seen_message_key_away RENAME TO seen_message_key");
        // the routing is retried with a growing delay (1 s, 2 s, 4 s, ...)
        List<Received> calls = totango.await(r -> "outage-u".equals(r.param("sdr_u")), 4, Duration.ofSeconds(30));
        assertEquals(List.of("Before", "First", "Second", "Third"), calls.stream().map(c -> c.param("sdr_a")).toList(),
                "the events arrive in the order they came");
        bundle.awaitIdle();
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
        track("remember-u", "Before", "remember-0");
        totango.awaitUser("remember-u", 1);

        sql("ALTER TABLE seen_message_key ADD CONSTRAINT refuses_poison CHECK (message_key <> '" + SeenMessageIds.keyOf("poison-1") + "')");
        forgetLogged();
        track("remember-u", "First", "poison-1");
        assertEquals("First", totango.awaitUser("remember-u", 2).get(1).param("sdr_a"),
                "the calls were committed before the messageIds failed to be remembered");
        long attempts = poisonWarnings();
        track("remember-u", "Second", "remember-2");
        // an attempt to remember the batch before failed after Second was queued: the reader is still waiting
        Wait.atMost(Duration.ofSeconds(15)).until(() -> poisonWarnings() > attempts);
        assertEquals(2, totango.forUser("remember-u").size(), "the reader waits while the batch before is not remembered");
        assertTrue(logged().stream().anyMatch(event -> event.getLevel() == Level.WARN
                && event.getFormattedMessage().contains("REFUSES_POISON")), "each attempt is a warning that says why");

        sql("ALTER TABLE seen_message_key DROP CONSTRAINT refuses_poison");
        List<Received> calls = totango.await(r -> "remember-u".equals(r.param("sdr_u")), 3, Duration.ofSeconds(30));
        assertEquals(List.of("Before", "First", "Second"), calls.stream().map(c -> c.param("sdr_a")).toList());
        track("remember-u", "First", "poison-1");
        bundle.awaitIdle();
        assertEquals(3, totango.forUser("remember-u").size(), "First was remembered in the end: sent again, it is a duplicate");
        assertEquals(List.of(), bundle.deadLetters());
    }

    /** The warnings of failed attempts to route the queued events, since the last {@link #forgetLogged()}. */
    private List<String> routingFailures() {
        return logged().stream().filter(event -> event.getLoggerName().equals(QueuedEventsRetry.class.getName()))
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.startsWith("Routing queued events failed")).toList();
    }

    /** The warnings of failed attempts to remember the poisoned messageId, since the last {@link #forgetLogged()}. */
    private long poisonWarnings() {
        return logged().stream().filter(event -> event.getLevel() == Level.WARN && event.getFormattedMessage().contains("REFUSES_POISON")).count();
    }

    /** What the bundle logged since the last {@link #forgetLogged()}; the appender's lock keeps the copy whole. */
    private List<ILoggingEvent> logged() {
        synchronized (everything) {
            return List.copyOf(everything.list);
        }
    }

    private void forgetLogged() {
        synchronized (everything) {
            everything.list.clear();
        }
    }

    /** A track call of the user, in account {@code g}, acknowledged. */
    private void track(String user, String event, String messageId) throws Exception {
        accepted(bundle.post("/v1/track", """
                {"userId":"%s","event":"%s","messageId":"%s","context":{"groupId":"g"}}""".formatted(user, event, messageId)));
    }

    private long count(String query) throws SQLException {
        DataSource state = bundle.camelContext().getRegistry().lookupByNameAndType("stateDataSource", DataSource.class);
        try (Connection connection = state.getConnection(); Statement sql = connection.createStatement();
                java.sql.ResultSet result = sql.executeQuery(query)) {
            result.next();
            return result.getLong(1);
        }
    }

    private void sql(String statement) throws SQLException {
        DataSource state = bundle.camelContext().getRegistry().lookupByNameAndType("stateDataSource", DataSource.class);
        try (Connection connection = state.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute(statement);
        }
    }
}
