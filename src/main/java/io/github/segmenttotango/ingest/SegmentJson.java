package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON reader of Segment input: exact decimals, bounded nesting, strings and numbers. */
public final class SegmentJson {

    private SegmentJson() {
    }

    public static ObjectMapper mapper(IngestLimits limits) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxDepth())
                        .maxStringLength(limits.maxStringLength())
                        .maxNumberLength(limits.maxNumberLength())
                        .build())
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }

    /**
     * The first line of a parser's message, without the source location or the names of Java classes
     * and settings, at most 200 characters.
     */
    public static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = (newline < 0 ? message : message.substring(0, newline)).replaceAll("\\[Source: [^;\\]]*; ", "[")
                // the parser's hints name its Java classes and settings: an answer names neither
                .replaceAll(", from `[^`]*`", "").replaceAll("`[a-z]+(\\.[a-zA-Z_$]+)+`", "a JSON value");
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }
}
