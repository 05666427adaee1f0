package io.github.segmenttotango.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

import static io.github.segmenttotango.mapping.SegmentToTotango.text;
import static io.github.segmenttotango.mapping.TotangoParams.ACCOUNT_ATTRIBUTE;
import static io.github.segmenttotango.mapping.TotangoParams.ACCOUNT_NAME;
import static io.github.segmenttotango.mapping.TotangoParams.CREATE_DATE;
import static io.github.segmenttotango.mapping.TotangoParams.USER_ATTRIBUTE;

/** Segment traits as Totango attributes of a user or an account (spec §3, identify and group). */
final class TotangoTraits {

    private static final List<String> DATE_TRAITS = List.of("created", "createdAt");
    private static final List<String> ACCOUNT_SPECIAL_TRAITS = List.of("name", "created", "createdAt");
    private static final List<String> USER_SPECIAL_TRAITS = List.of("created", "createdAt");

    private TotangoTraits() {
    }

    /** User traits: {@code created}/{@code createdAt} become {@code Create Date}, the rest pass through. */
    static void putUserTraits(Map<String, String> params, JsonNode traits) {
        if (traits == null || !traits.isObject()) {
            return;
        }
        putCreateDate(params, USER_ATTRIBUTE, traits);
        AttributeEncoder.putAll(params, USER_ATTRIBUTE, traits, USER_SPECIAL_TRAITS);
        if (!params.containsKey(USER_ATTRIBUTE + "name")) {
            String fullName = joinNonNull(text(traits.get("firstName")), text(traits.get("lastName")));
            if (fullName != null) {
                params.put(USER_ATTRIBUTE + "name", fullName);
            }
        }
    }

    /** Account traits: {@code name} is the display name, {@code created} the Create Date, the rest pass through. */
    static void putAccountTraits(Map<String, String> params, JsonNode traits) {
        if (traits == null || !traits.isObject()) {
            return;
        }
        String name = AttributeEncoder.encode(traits.get("name"));
        if (name != null) {
            params.put(ACCOUNT_NAME, name);
        }
        putCreateDate(params, ACCOUNT_ATTRIBUTE, traits);
        AttributeEncoder.putAll(params, ACCOUNT_ATTRIBUTE, traits, ACCOUNT_SPECIAL_TRAITS);
    }

    private static void putCreateDate(Map<String, String> params, String prefix, JsonNode traits) {
        for (String field : DATE_TRAITS) {
            String date = AttributeEncoder.encodeDate(traits.get(field));
            if (date != null) {
                params.put(prefix + CREATE_DATE, date);
                return;
            }
        }
    }

    private static String joinNonNull(String first, String last) {
        if (first == null) {
            return last;
        }
        return last == null ? first : first + " " + last;
    }

}
