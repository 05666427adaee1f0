package io.github.segmenttotango.ingest;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a Webhooks destination's signature may cover, and the secrets setting. */
class WebhookSignaturesTest {

    private static String first(String json) {
        byte[] element = WebhookSignatures.firstElementOf(json.getBytes(StandardCharsets.UTF_8));
        return element == null ? null : new String(element, StandardCharsets.UTF_8);
    }

    @Test
    void theFirstElementOfAnArrayIsItsBytesAsSent() {
        assertEquals("{\"a\":[1,{\"b\":\"]\"}]}", first("[{\"a\":[1,{\"b\":\"]\"}]},{\"c\":2}]"));
        assertEquals("{ \"é\" : 1 }", first(" [ { \"é\" : 1 } , 2 ]"));
        assertEquals("\"x\"", first("[\"x\"]"));
        assertNull(first("[]"));
        assertNull(first("{\"batch\":[{}]}"));
        assertNull(first("[{\"unclosed\":"));
        assertNull(first("not json"));
    }

    @Test
    void secretsAreTrimmedAndBlankOnesIgnored() {
        assertFalse(new WebhookSignatures(" , ", null).enabled());
        assertFalse(new WebhookSignatures(null, "").enabled());
        WebhookSignatures two = new WebhookSignatures(" one , ,two ", " first-event ");
        assertTrue(two.enabled());
        assertEquals(2, two.count());
        assertTrue(two.firstEventSigns());
        assertFalse(new WebhookSignatures("one", "whole").firstEventSigns());
        IllegalArgumentException wrong = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new WebhookSignatures("one", "first"));
        assertTrue(wrong.getMessage().startsWith("segment.webhook-batch-signature (SEGMENT_WEBHOOK_BATCH_SIGNATURE) must be"), wrong.getMessage());
    }
}
