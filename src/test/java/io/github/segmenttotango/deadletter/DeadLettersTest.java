package io.github.segmenttotango.deadletter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.SegmentRequest;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.state.DeadLetter;
import io.github.segmenttotango.state.DeadLetterFiles;
import io.github.segmenttotango.state.DeadLetterStore;
import io.github.segmenttotango.support.SettableClock;

import org.apache.camel.http.base.HttpOperationFailedException;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What becomes of a refused request, a failed call or an undeliverable event: the letter that is kept. */
class DeadLettersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T00:00:00Z"));

    private DeadLetterStore store(Path folder) {
        JdbcConnectionPool db = JdbcConnectionPool.create("jdbc:h2:mem:letters" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        return new DeadLetterFiles(folder, db, Duration.ofDays(30), clock).open();
    }

    private static ObjectNode event(int i) {
        return JSON.createObjectNode().put("type", "nope").put("userId", "u").put("messageId", "m-" + i).put("pad", "x".repeat(100));
    }

    private static SegmentRequest refusing(ObjectNode event) {
        return new SegmentRequest(List.of(), List.of(new SegmentRequest.RejectedEvent(0, event.path("messageId").asText(null),
                "invalid_event", "unknown type", event)));
    }

    @Test
    void pastMaxBytesARefusedEventKeepsNoBodyButAnUndeliverableEventDoes(@TempDir Path folder) {
        DeadLetterStore store = store(folder);
        DeadLetters letters = new DeadLetters(store, null, 1000, clock);
        for (int i = 1; i < 10; i++) {
            clock.advance(Duration.ofMillis(1));
            letters.keepRejected(refusing(event(i)), "http");
        }
        List<DeadLetter> kept = store.page(null, 0, 100).items();
        assertEquals(9, kept.size(), "every refused event is still counted and listed");
        assertTrue(kept.get(0).payload() != null, "kept while under the bound");
        DeadLetter last = kept.get(8);
        assertNull(last.payload(), "past the bound the body is not kept");
        assertTrue(last.detail().contains("body not kept"), last.detail());
        letters.keepEvent(event(11), "no_account", "an event that is not refused input");
        assertTrue(store.page("no_account", 0, 1).items().get(0).payload() != null, "only refused input loses its body");
    }

    @Test
    void aRefusedEventIsKeptWithoutItsWriteKeyAndWithWhereItCameFrom(@TempDir Path folder) {
        DeadLetterStore store = store(folder);
        ObjectNode event = event(1).put("writeKey", "secret");
        DeadLetter letter = new DeadLetters(store, null, Long.MAX_VALUE, clock).keep(RefusedEvents.of(refusing(event), "http").get(0));
        assertEquals(DeadLetter.EVENT, letter.kind());
        assertEquals("invalid_event", letter.reason());
        assertEquals("event 0: unknown type", letter.detail());
        assertEquals("m-1", letter.messageId());
        assertEquals("http", letter.source());
        assertFalse(((Map<?, ?>) store.load(letter.id()).payload()).containsKey("writeKey"));
        assertEquals("m-1", ((Map<?, ?>) store.load(letter.id()).payload()).get("messageId"));
        assertEquals(letter.firstFailureAt(), letter.lastFailureAt());
    }

    @Test
    void aHugeRefusedEventKeepsItsFirst32KbAsText() {
        ObjectNode huge = event(1).put("pad", "x".repeat(40_000));
        Object kept = RefusedEvents.kept(huge);
        assertTrue(kept instanceof String text && text.length() == RefusedEvents.MAX_REFUSED_BYTES, String.valueOf(kept).length() + "");
    }

    @Test
    void aCallTotangoRefusedIsKeptAsACallWithTheAnswer(@TempDir Path folder) {
        DeadLetterStore store = store(folder);
        DeadLetters letters = new DeadLetters(store, null, Long.MAX_VALUE, clock);
        TotangoCall call = new TotangoCall("m-1", "u-1", Map.of("account_id", "a-1"));
        long firstAttempt = clock.millis() - 60_000;
        letters.keepFailedCall(call, new HttpOperationFailedException("http://127.0.0.1/", 400, "Bad Request", null, Map.of(),
                "nope"), 1, firstAttempt);
        clock.advance(Duration.ofMillis(1));
        letters.keepFailedCall(call, new HttpOperationFailedException("http://127.0.0.1/", 503, "Unavailable", null, Map.of(),
                "x".repeat(600)), 7, firstAttempt);
        List<DeadLetter> kept = store.page(null, 0, 10).items();
        assertEquals(List.of("totango_4xx", "retries_exhausted"), kept.stream().map(DeadLetter::reason).toList());
        assertTrue(kept.get(0).holdsCall());
        assertEquals(400, kept.get(0).status());
        assertEquals("nope", kept.get(0).response());
        assertEquals("2026-11-30T23:59:00.000Z", kept.get(0).firstFailureAt());
        assertEquals(503 + 7, kept.get(1).status() + kept.get(1).attempts());
        assertEquals(503, kept.get(1).response().length(), "Totango's answer is cut to 500 characters");
    }
}
