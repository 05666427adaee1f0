package io.github.segmenttotango.routing;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.mapping.GroupContext;
import io.github.segmenttotango.state.GroupContextStore;
import io.github.segmenttotango.state.GroupContextTable;
import io.github.segmenttotango.support.SettableClock;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the router reads off an event, as the routes' ref: expressions evaluate it. */
class EventFactsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final CamelContext camel = new DefaultCamelContext();
    private final JdbcConnectionPool db = JdbcConnectionPool.create("jdbc:h2:mem:facts" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
    private final GroupContextStore groupContexts = new GroupContextTable(db, Duration.ofDays(30), 100,
            new SettableClock(Instant.parse("2024-03-01T00:00:00Z")));

    @AfterEach
    void close() {
        db.dispose();
    }

    private Exchange eventExchange(String json) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(JSON.readTree(json));
        return exchange;
    }

    @Test
    void readsTheCallTypeAndWhetherTheIntegrationsLetTheEventThrough() throws Exception {
        assertEquals("track", EventFacts.callType().evaluate(eventExchange("{\"type\":\"track\"}"), String.class));
        assertTrue(EventFacts.sentToTotango().matches(eventExchange("{\"type\":\"track\"}")));
        assertFalse(EventFacts.sentToTotango().matches(eventExchange("{\"type\":\"track\",\"integrations\":{\"Totango\":false}}")));
        assertFalse(EventFacts.sentToTotango().matches(eventExchange("{\"type\":\"track\",\"integrations\":{\"All\":false}}")));
        assertTrue(EventFacts.sentToTotango().matches(eventExchange("{\"type\":\"track\",\"integrations\":{\"All\":false,\"Totango\":true}}")));
    }

    @Test
    void theAccountIsTheEventsGroupIdElseTheUsersCachedGroupContext() throws Exception {
        groupContexts.remember(JSON.readTree("{\"userId\":\"u1\"}"), new GroupContext("cached", null));

        assertEquals("named", EventFacts.account(groupContexts)
                .evaluate(eventExchange("{\"userId\":\"u1\",\"context\":{\"groupId\":\"named\"}}"), String.class));
        assertEquals("cached", EventFacts.account(groupContexts).evaluate(eventExchange("{\"userId\":\"u1\"}"), String.class));
        assertNull(EventFacts.account(groupContexts).evaluate(eventExchange("{\"userId\":\"stranger\"}"), String.class));
    }

    @Test
    void theLastPageModuleIsLookedUpForATrackWithoutCategoryOnly() throws Exception {
        groupContexts.rememberLastPageModule(JSON.readTree("{\"userId\":\"u1\"}"), "Docs");

        assertEquals("Docs", EventFacts.lastPageModule(groupContexts).evaluate(eventExchange("{\"userId\":\"u1\",\"event\":\"e\"}"), String.class));
        assertNull(EventFacts.lastPageModule(groupContexts)
                .evaluate(eventExchange("{\"userId\":\"u1\",\"properties\":{\"category\":\"Own\"}}"), String.class), "its own category wins");
        assertNull(EventFacts.lastPageModule(groupContexts).evaluate(eventExchange("{\"userId\":\"stranger\"}"), String.class));
    }

    @Test
    void aBodyThatIsNoEventFailsTheExpressionWithTheReason() {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(new Object());
        Exception failed = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> EventFacts.callType().evaluate(exchange, String.class));
        assertTrue(String.valueOf(failed.getMessage()).contains("JsonNode"), failed.getMessage());
    }
}
