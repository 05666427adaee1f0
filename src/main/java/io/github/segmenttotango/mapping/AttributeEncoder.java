package io.github.segmenttotango.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns Segment trait and property values into Totango attribute parameters (spec §1): strings as
 * they are (ISO dates normalised to UTC with milliseconds), numbers and booleans as their JSON text,
 * nulls dropped, nested objects flattened with {@code .}, arrays joined with commas.
 */
public final class AttributeEncoder {

    private AttributeEncoder() {
    }

    /** Adds {@code prefix + name} for {@code value} to {@code params}; nothing for a null. */
    public static void put(Map<String, String> params, String prefix, String name, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return;
        }
        if (value.isObject()) {
            value.fields().forEachRemaining(field -> put(params, prefix, name + "." + field.getKey(), field.getValue()));
            return;
        }
        String text = encode(value);
        if (text != null) {
            params.put(prefix + name, text);
        }
    }

    /** Every field of {@code object} as {@code prefix + field}, except the fields named in {@code skip}. */
    public static void putAll(Map<String, String> params, String prefix, JsonNode object, List<String> skip) {
        if (object == null || !object.isObject()) {
            return;
        }
        object.fields().forEachRemaining(field -> {
            if (!skip.contains(field.getKey())) {
                put(params, prefix, field.getKey(), field.getValue());
            }
        });
    }

    /** The text Totango gets for one scalar or array value; null for a JSON null. */
    public static String encode(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isTextual()) {
            return TotangoDates.fromText(value.textValue()).orElse(value.textValue());
        }
        if (value.isArray()) {
            List<String> parts = new ArrayList<>(value.size());
            for (JsonNode element : value) {
                String part = element.isContainerNode() && !element.isArray() ? element.toString() : encode(element);
                if (part != null) {
                    parts.add(part);
                }
            }
            return String.join(",", parts);
        }
        if (value.isBigDecimal()) {
            return value.decimalValue().toString();
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        return value.toString();
    }

    /**
     * A date field ({@code created}, {@code createdAt}): ISO strings and epoch milliseconds become
     * Totango's date text; anything else passes through as any attribute would.
     */
    public static String encodeDate(JsonNode value) {
        if (value != null && value.isIntegralNumber() && value.canConvertToLong()) {
            return TotangoDates.fromEpochMillis(value.longValue()).orElseGet(() -> encode(value));
        }
        return encode(value);
    }
}
