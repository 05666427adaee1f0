package io.github.segmenttotango.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters {@link BundleMetrics} counts per event and per call, each registered once in one
 * registry and kept: Micrometer's builder builds an id and looks it up in the registry on every
 * {@code register}, which cost more than the count itself, ten times per request of ten events. The
 * label values come from closed sets ({@link BundleMetrics#label}), so the maps stay small.
 */
record Meters(MeterRegistry registry, Map<String, Counter> receivedByType, Map<String, Counter> acceptedByType,
        Counter delivered, Counter retried, Timer deliveryLatency) {

    Meters(MeterRegistry registry) {
        this(registry, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(),
                Counter.builder("totango.calls.delivered").description("Totango calls Totango took").register(registry),
                Counter.builder("totango.calls.retried").description("Totango calls sent again after a failure").register(registry),
                Timer.builder("totango.delivery.latency").description("From acceptance to Totango's answer")
                        .publishPercentileHistogram().register(registry));
    }

    /** @param type a label value of {@link BundleMetrics#CALL_TYPES} or {@link BundleMetrics#OTHER} */
    Counter received(String type) {
        return receivedByType.computeIfAbsent(type, t -> Counter.builder("segment.events.received")
                .description("Segment events received (HTTP and files)").tag("type", t).register(registry));
    }

    Counter accepted(String type) {
        return acceptedByType.computeIfAbsent(type, t -> Counter.builder("segment.events.accepted")
                .description("Segment events accepted once (after dedup)").tag("type", t).register(registry));
    }
}
