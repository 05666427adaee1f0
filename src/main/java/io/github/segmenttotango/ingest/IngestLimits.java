package io.github.segmenttotango.ingest;

/**
 * The bounds on what one request may hold (Segment's own numbers by default).
 *
 * @param maxRequestBytes the request body, counted after gzip inflation
 * @param maxEventBytes   one event, as sent
 * @param maxBatchEvents  events in one batch
 * @param maxDepth        nesting of objects and arrays
 * @param maxStringLength one JSON string (an event over maxEventBytes is refused alone anyway)
 * @param maxNumberLength one JSON number, in characters
 */
public record IngestLimits(int maxRequestBytes, int maxEventBytes, int maxBatchEvents, int maxDepth,
        int maxStringLength, int maxNumberLength) {

    public static IngestLimits segmentDefaults() {
        return new IngestLimits(500 * 1024, 32 * 1024, 2500, 32, 500 * 1024, 100);
    }
}
