package io.github.segmenttotango.metrics;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.segmenttotango.mapping.SegmentToTotango;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.Processor;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The bundle's own metrics, in the Micrometer registry Camel serves at {@code /observe/metrics}:
 * events received, accepted and rejected; Totango calls delivered, retried and dead-lettered;
 * delivery latency (acceptance to Totango's answer); backlog and parked events.
 */
public final class BundleMetrics {

    private final CamelContext context;
    private volatile MeterRegistry registry;
    private Supplier<Number> backlog = () -> 0;
    private Supplier<Number> parked = () -> 0;
    private Supplier<Number> queuedRequests = () -> 0;
    private Supplier<Number> callsInFlight = () -> 0;
    private Supplier<Number> callsInFlightLimit = () -> 0;
    private volatile Meters meters;

    public BundleMetrics(CamelContext context) {
        this.context = context;
    }

    /** The registry Camel's Prometheus support created (looked up once it exists), else an in-memory one. */
    MeterRegistry registry() {
        MeterRegistry found = registry;
        if (found == null) {
            found = context.getRegistry().findSingleByType(MeterRegistry.class);
            if (found == null) {
                return FALLBACK;
            }
            registry = found;
        }
        return found;
    }

    private static final MeterRegistry FALLBACK = new SimpleMeterRegistry();

    /** The call types the Tracking API knows: the only values the {@code type} label takes, besides {@link #OTHER}. */
    static final Set<String> CALL_TYPES = Set.of("identify", "group", "track", "page", "screen", "alias");
    /** The dead-letter reasons the bundle gives: the only values the {@code reason} label takes, besides {@link #OTHER}. */
    static final Set<String> REASONS = Set.of("invalid_event", "no_account", "processing_error", "unreadable_message",
            "retries_exhausted", "totango_4xx");
    static final String OTHER = "other";
    /** The {@code type} of a dead letter that holds no event (a failed Totango call, an unreadable message). */
    static final String NONE = "none";

    /**
     * A label value from a closed set: no value that a client sends becomes a label (each distinct
     * value would be a time series kept for ever, so a client could fill the heap).
     */
    static String label(String value, Set<String> allowed) {
        return value != null && allowed.contains(value) ? value : OTHER;
    }

    private static String typeOf(JsonNode event) {
        return label(event == null ? null : SegmentToTotango.callType(event), CALL_TYPES);
    }

    /** Counts the events of a request or file chunk, by type, before dedup. */
    public void received(List<? extends JsonNode> events) {
        Meters meters = meters();
        for (JsonNode event : events) {
            meters.received(typeOf(event)).increment();
        }
    }

    public void accepted(JsonNode event) {
        meters().accepted(typeOf(event)).increment();
    }

    /** {@link #received} as a route step (the events are the body), without bean binding per request. */
    @SuppressWarnings("unchecked")
    public Processor countsReceived() {
        return exchange -> received(exchange.getMessage().getMandatoryBody(List.class));
    }

    /** {@link #accepted} as a route step (the event is the body), without bean binding per event. */
    public Processor countsAccepted() {
        return exchange -> accepted(exchange.getMessage().getBody(JsonNode.class));
    }

    /** {@link #delivered} as a route step: when the call's event was queued is the property {@code queuedAt}. */
    public Processor countsDelivered() {
        return exchange -> delivered(exchange.getProperty("queuedAt", Long.class));
    }

    public void deadLettered(String reason, String type) {
        Counter.builder("segment.dead.letters").description("Events and calls kept as dead letters, by reason")
                .tag("reason", label(reason, REASONS)).tag("type", type == null ? NONE : label(type, CALL_TYPES)).register(registry()).increment();
    }

    public void delivered(Long queuedAt) {
        Meters meters = meters();
        meters.delivered().increment();
        if (queuedAt != null && queuedAt > 0) {
            meters.deliveryLatency().record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - queuedAt)));
        }
    }

    public void retried() {
        meters().retried().increment();
    }

    /** What the gauges read: calls waiting for delivery, requests waiting to be routed, events waiting for their group call. */
    public void watch(Supplier<Number> backlog, Supplier<Number> queuedRequests, Supplier<Number> parked) {
        this.backlog = backlog;
        this.queuedRequests = queuedRequests;
        this.parked = parked;
    }

    /** What the delivery's gauges read: calls waiting for Totango's answer, and the current limit of those. */
    public void watchCallsInFlight(Supplier<Number> inFlight, Supplier<Number> limit) {
        this.callsInFlight = inFlight;
        this.callsInFlightLimit = limit;
    }

    private final List<Consumer<MeterRegistry>> moreGauges = new CopyOnWriteArrayList<>();

    /** Gauges of other parts (the data disk, the queues' fill, readiness), registered with the bundle's own. */
    public void alsoRegister(Consumer<MeterRegistry> gauges) {
        moreGauges.add(gauges);
    }

    /** Registers the gauges and the counters at zero, once Camel's registry exists (a start-up route calls it). */
    public void registerGauges() {
        moreGauges.forEach(gauges -> gauges.accept(registry()));
        Gauge.builder("totango.delivery.backlog", backlog).description("Messages of the delivery queue waiting (each holds calls of one user, at most 100)").register(registry());
        Gauge.builder("segment.requests.queued", queuedRequests)
                .description("Requests and file chunks whose events wait on the events queue to be routed").register(registry());
        Gauge.builder("totango.calls.in.flight", callsInFlight).description("Totango calls sent and waiting for Totango's answer")
                .register(registry());
        Gauge.builder("totango.calls.in.flight.limit", callsInFlightLimit)
                .description("The current limit of Totango calls in flight (lowered when Totango is overloaded, up to totango.max-in-flight)")
                .register(registry());
        Gauge.builder("segment.events.parked", parked).description("Events waiting for their user's group call").register(registry());
        Meters meters = meters();
        CALL_TYPES.forEach(meters::received);
        meters.delivered();
        meters.retried();
    }

    /** The meters of the registry in use, built the first time the registry is seen. */
    private Meters meters() {
        MeterRegistry current = registry();
        Meters cached = meters;
        if (cached == null || cached.registry() != current) {
            cached = new Meters(current);
            meters = cached;
        }
        return cached;
    }
}
