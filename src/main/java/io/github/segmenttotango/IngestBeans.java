package io.github.segmenttotango;

import io.github.segmenttotango.deadletter.DeadLetters;
import io.github.segmenttotango.ingest.AcceptedEvents;
import io.github.segmenttotango.ingest.EventsQueueWriter;
import io.github.segmenttotango.ingest.WriteToEventsQueue;
import io.github.segmenttotango.ingest.JsonBodyUnderAnyContentType;
import io.github.segmenttotango.ingest.QueuedEventsReader;
import io.github.segmenttotango.ingest.QueuedEventsRetry;
import io.github.segmenttotango.ingest.RequestHeadersOnly;
import io.github.segmenttotango.ingest.SegmentJson;
import io.github.segmenttotango.ingest.SegmentRequestReader;
import io.github.segmenttotango.ingest.TrackingApiAnswers;
import io.github.segmenttotango.ingest.TrackingApiUnavailable;
import io.github.segmenttotango.ingest.WebhookSignatures;
import io.github.segmenttotango.ingest.WriteKeys;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.queue.InBrokerQueueSender;
import io.github.segmenttotango.queue.IngestFirst;

import io.micrometer.core.instrument.Gauge;

import org.apache.camel.CamelContext;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.core.JmsTemplate;

import java.time.Clock;
import java.util.concurrent.ExecutorService;

/**
 * The Tracking API and the events queue: {@code segmentRequests}, {@code acceptedEvents},
 * {@code eventsQueue}, {@code queuedEvents}, {@code queuedEventsRetry}, {@code trackingApiRequestHeaders},
 * {@code trackingApiAnswers}, {@code corsPolicy}, and the HTTP server's handlers for bodies and 503s.
 */
final class IngestBeans {

    private static final Logger LOG = LoggerFactory.getLogger(IngestBeans.class);
    /**
     * The requests joined in one message of the events queue stay under this; a larger request is
     * still one message (the broker keeps one larger than a journal record, about 490 KiB, as a
     * "large" message, in a file of its own).
     */
    private static final int EVENTS_MESSAGE_BYTES = 96 * 1024;
    /** How long the events reader waits for a first message when the queue is empty. */
    private static final long QUEUE_WAIT_MILLIS = 100;

    private IngestBeans() {
    }

    /**
     * The writer of the events queue: on the embedded broker, sends routed inside it (no client, no
     * connection: {@link InBrokerQueueSender}), up to {@code ingest.queue.max-in-flight} messages on
     * their way to disk at once; another endpoint, one send at a time through Camel.
     */
    private static EventsQueueWriter eventsQueueWriter(CamelContext context, QueueBeans.Queue queue) {
        String name = QueueBeans.jmsQueueOf(context, "ingest.queue-uri");
        if (name == null) {
            ProducerTemplate sends = Services.add(context, context.createProducerTemplate(), "the events queue's sender");
            String eventsQueue = Setting.of(context, "ingest.queue-uri");
            ExecutorService sender = context.getExecutorServiceManager().newSingleThreadExecutor(sends, "events-queue-sender");
            return new EventsQueueWriter(message -> sends.sendBody(eventsQueue, ExchangePattern.InOnly, message), sender,
                    EVENTS_MESSAGE_BYTES);
        }
        String inFlight = Setting.of(context, "ingest.queue.max-in-flight").trim();
        int maxInFlight;
        try {
            maxInFlight = Integer.parseInt(inFlight);
        } catch (NumberFormatException e) {
            maxInFlight = 0;
        }
        if (maxInFlight < 1 || maxInFlight > 64) {
            throw new IllegalArgumentException("ingest.queue.max-in-flight (INGEST_QUEUE_MAX_IN_FLIGHT) must be a whole number"
                    + " from 1 to 64, not '" + inFlight + "'");
        }
        InBrokerQueueSender sender = new InBrokerQueueSender(queue.broker(), name);
        Services.add(context, sender, "the events queue's sender");
        sender.start();
        return new EventsQueueWriter(sender::send, EVENTS_MESSAGE_BYTES, maxInFlight);
    }

    /** The exchange property that holds when a request's write to the events queue began (System.nanoTime). */
    private static final String WRITE_STARTED = "ingestWriteStarted";

    static void bind(CamelContext context, BundleSettings settings, Clock clock, QueueBeans.Queue queue, DeadLetters deadLetters,
            BundleMetrics metrics, boolean clusterMode) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        WriteKeys writeKeys = new WriteKeys(settings.writeKeys());
        if (writeKeys.open()) {
            LOG.warn("segment.write-keys (SEGMENT_WRITE_KEYS) is empty: any write key is accepted. Set it before exposing the bundle.");
        }
        SegmentRequestReader requests = new SegmentRequestReader(settings.limits(), writeKeys, clock);
        context.getRegistry().bind("segmentRequests", requests);
        // the Tracking API's steps on each request, as processors (no bean binding per request)
        context.getRegistry().bind("readSegmentRequest", requests.reads());
        context.getRegistry().bind("eventsOfRequest", requests.takesEvents());
        context.getRegistry().bind("countReceived", metrics.countsReceived());
        String retryAfter = Setting.of(context, "delivery.backpressure-retry-after");
        // called when the HTTP server is up, before the routes start
        context.addStartupListener((started, alreadyStarted) -> {
            JsonBodyUnderAnyContentType.install(started);
            TrackingApiUnavailable.install(started, retryAfter);
        });
        AcceptedEvents accepted = new AcceptedEvents(SegmentJson.mapper(settings.limits()));
        context.getRegistry().bind("acceptedEvents", accepted);
        context.getRegistry().bind("eventsToMessage", accepted.writesMessage());
        if (!clusterMode) {
            // cluster mode binds its own, on the events topic (ClusterBeans)
            context.getRegistry().bind("eventsQueue", new WriteToEventsQueue(eventsQueueWriter(context, queue)));
        }
        context.getRegistry().bind("queuedEvents", new QueuedEventsReader(new JmsTemplate(queue.connections()),
                QueueBeans.jmsQueueOf(context, "ingest.queue-uri"), accepted, deadLetters::keepUnreadableMessage,
                settings.routingBatchEvents(), QUEUE_WAIT_MILLIS));
        // ingest first (single process: cluster mode routes the events topic, KafkaEventsRouter)
        IngestFirst ingestFirst = new IngestFirst(clusterMode ? 0 : settings.deferRoutingMaxQueued(), settings.deferRoutingMaxWait(),
                queue.backlog()::queuedRequests, IngestFirst.machineCpuLoad(), System::nanoTime);
        context.getRegistry().bind("ingestStarts", (Processor) exchange -> exchange.setProperty(WRITE_STARTED, System.nanoTime()));
        context.getRegistry().bind("ingestWritten", (Processor) exchange ->
                ingestFirst.ingested(System.nanoTime() - exchange.getProperty(WRITE_STARTED, Long.class)));
        context.getRegistry().bind("ingestLetsRouting", (Predicate) exchange -> ingestFirst.mayRoute());
        metrics.alsoRegister(registry -> Gauge.builder("segment.routing.deferred", () -> ingestFirst.waiting() ? 1 : 0)
                .description("1 while the routing of queued events waits for a burst of ingest to end (ingest.defer-routing)")
                .register(registry));
        context.getRegistry().bind("queuedEventsRetry", new QueuedEventsRetry(settings.durations().get("ingest.retry.initial-delay"),
                settings.durations().get("ingest.retry.max-delay")));
        // the first step of each HTTP entry route: headers from the request itself, never its query string
        context.getRegistry().bind("trackingApiRequestHeaders", new RequestHeadersOnly("/v1/{call}"));
        TrackingApiAnswers answers = new TrackingApiAnswers();
        context.getRegistry().bind("trackingApiAnswers", answers);
        context.getRegistry().bind("answerAccepted", answers.answersAccepted());
        context.getRegistry().bind("answerAsJson", answers.writesJson());
        context.getRegistry().bind("statusOfAnswer", TrackingApiAnswers.statusOfBody());
        context.getRegistry().bind("bodyHoldsEvents", AcceptedEvents.bodyHoldsEvents());
        context.getRegistry().bind("bodyHasRefusedEvents", AcceptedEvents.bodyHasRefusedEvents());
        context.getRegistry().bind("corsPolicy", settings.cors());
        WebhookSignatures webhookSignatures = new WebhookSignatures(Setting.of(context, "segment.webhook-secrets"),
                Setting.of(context, "segment.webhook-batch-signature"));
        context.getRegistry().bind("webhookSignatures", webhookSignatures);
        LOG.info(webhookSignatures.enabled()
                ? "Segment's Webhooks destinations are taken at POST /v1/webhook, signed with one of " + webhookSignatures.count()
                        + " secret(s), masked" + (webhookSignatures.firstEventSigns() ? "; a batch may be signed on its first event only" : "")
                : "POST /v1/webhook is off (404): segment.webhook-secrets (SEGMENT_WEBHOOK_SECRETS) is empty");
    }
}
