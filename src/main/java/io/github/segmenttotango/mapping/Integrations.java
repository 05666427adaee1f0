package io.github.segmenttotango.mapping;

import com.fasterxml.jackson.databind.JsonNode;

/** An event's {@code integrations} object, read as analytics.js reads it (spec §4). */
final class Integrations {

    private Integrations() {
    }

    /**
     * Whether they let the event reach Totango: not when {@code Totango} is false, nor when {@code All}
     * is false without {@code Totango} being truthy. No integrations object: yes.
     */
    static boolean letThrough(JsonNode integrations) {
        if (integrations == null || !integrations.isObject()) {
            return true;
        }
        JsonNode totango = integrations.get("Totango");
        if (totango != null && !truthy(totango)) {
            return false;
        }
        JsonNode all = integrations.get("All");
        return all == null || truthy(all) || truthy(totango);
    }

    /** JavaScript truthiness, as analytics.js reads the integrations object. */
    private static boolean truthy(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return false;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.doubleValue() != 0;
        }
        if (node.isTextual()) {
            return !node.textValue().isEmpty();
        }
        return true;
    }
}
