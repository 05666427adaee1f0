package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A Tracking API request once read: the valid events in the order they came, ready for the
 * pipeline, and the events refused alone with their reason.
 */
public record SegmentRequest(List<ObjectNode> events, List<RejectedEvent> rejected) {

    public int accepted() {
        return events.size();
    }

    /** One event of a request that is not delivered, with why. */
    public record RejectedEvent(int index, String messageId, String reason, String detail, Object event) {
    }
}
