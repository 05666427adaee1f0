package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** A run of consecutive events of a dropped file: the valid ones, ready for the pipeline, and those refused alone. */
public record InboxChunk(List<ObjectNode> events, List<InboxEvent> rejected) {
}
