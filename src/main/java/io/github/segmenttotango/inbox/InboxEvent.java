package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One event read from a dropped file: ready for the pipeline, or refused with its reason.
 *
 * @param file     the file's name
 * @param position the line (NDJSON) or the 1-based index in the batch or array (JSON)
 * @param event    the event, stamped like an HTTP one; null when refused
 * @param problem  why the event is refused; null when it is valid
 * @param raw      what was read, for the dead letter of a refused event
 */
public record InboxEvent(String file, long position, ObjectNode event, String problem, Object raw) {

    public boolean valid() {
        return problem == null;
    }

    public JsonNode payload() {
        return event != null ? event : raw instanceof JsonNode node ? node : null;
    }
}
