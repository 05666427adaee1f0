package io.github.segmenttotango.deadletter;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.segmenttotango.inbox.InboxChunk;
import io.github.segmenttotango.inbox.InboxEvent;
import io.github.segmenttotango.ingest.SegmentRequest;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.state.DeadLetter;
import io.github.segmenttotango.state.DeadLetterStore;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the routes call to keep an event or a call that is not delivered (bean {@code deadLetters}):
 * it turns a refused request, a file's refused events, an undeliverable event or a failed call into
 * a {@link DeadLetter}, writes it to the store, counts it and logs it. Past {@code maxBytes} of
 * letters, refused input is still kept, counted and logged, but without its body (failed Totango
 * calls always keep theirs).
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final DeadLetterStore store;
    private final BundleMetrics metrics;
    private final long maxBytes;
    private final Clock clock;

    /** @param metrics where letters are counted; null counts nothing */
    public DeadLetters(DeadLetterStore store, BundleMetrics metrics, long maxBytes, Clock clock) {
        this.store = store;
        this.metrics = metrics;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    /** Keeps one letter; returns it with its id and time. */
    public DeadLetter keep(DeadLetter.Builder draft) {
        if (draft.refusedInputWithBody() && store.bytes() >= maxBytes) {
            draft.withoutPayload("body not kept: the dead letters take bridge.dead-letter.max-bytes, " + maxBytes + " bytes");
        }
        DeadLetter letter = draft.build(clock.instant());
        store.write(letter);
        if (metrics != null) {
            metrics.deadLettered(letter.reason(), letter.type());
        }
        LOG.warn("Dead letter {}: reason={} messageId={} type={} detail={}", letter.id(), letter.reason(), letter.messageId(),
                letter.type(), letter.detail());
        return letter;
    }

    /** Keeps the events a request refused alone (reason {@code invalid_event}). */
    public void keepRejected(SegmentRequest request, String source) {
        RefusedEvents.of(request, source).forEach(this::keep);
    }

    /**
     * Keeps the events a Tracking API request had refused alone (source {@code http}). A route step
     * by name ({@code method: keepRejectedTrackingApiEvents}): a method named with its arguments, as in
     * {@code keepRejected(${body}, 'http')}, has Camel parse its parameters again at each request.
     */
    public void keepRejectedTrackingApiEvents(SegmentRequest request) {
        keepRejected(request, "http");
    }

    /** Keeps the events a webhook request had refused alone (source {@code webhook}); see {@link #keepRejectedTrackingApiEvents}. */
    public void keepRejectedWebhookEvents(SegmentRequest request) {
        keepRejected(request, "webhook");
    }

    /** Keeps the events of a dropped file that were refused alone. */
    public void keepRejectedFileEvents(InboxChunk chunk) {
        chunk.rejected().forEach(this::keepRejectedFileEvent);
    }

    /** Keeps an event of a dropped file that was refused alone (reason {@code invalid_event}). */
    public void keepRejectedFileEvent(InboxEvent rejected) {
        keep(RefusedEvents.of(rejected));
    }

    /** Keeps a message of the events queue that does not hold events (only a hand-made one can be). */
    public void keepUnreadableMessage(byte[] message, String detail) {
        keep(RefusedEvents.unreadableMessage(message, detail));
    }

    /** Keeps a valid event that cannot be delivered now, such as one without an account. */
    public void keepEvent(JsonNode event, String reason, String detail) {
        keep(DeadLetter.event(reason, detail).messageId(SegmentToTotango.text(event.get("messageId")))
                .userId(SegmentToTotango.userOf(event)).type(SegmentToTotango.text(event.get("type"))).payload(event));
    }

    /** Keeps a Totango call that failed for good, with Totango's answer when there was one. */
    public void keepFailedCall(TotangoCall call, Exception failure, Integer attempts, Long firstAttemptAt) {
        keep(FailedCalls.of(call, failure, attempts, firstAttemptAt));
    }

    /** Deletes one letter (the admin API); false when there is none with that id. */
    public boolean delete(String id) {
        return store.delete(id);
    }

    /** Drops the letters older than the retention (housekeeping); returns how many. */
    public int expire() {
        return store.expire();
    }
}
