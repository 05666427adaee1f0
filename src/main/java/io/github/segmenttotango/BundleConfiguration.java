package io.github.segmenttotango;

import io.github.segmenttotango.admin.AdminAccess;
import io.github.segmenttotango.admin.DeadLetterAdmin;
import io.github.segmenttotango.delivery.CutCallsOnStop;
import io.github.segmenttotango.delivery.PrepareRetry;
import io.github.segmenttotango.delivery.TotangoAnswers;
import io.github.segmenttotango.delivery.TotangoForm;
import io.github.segmenttotango.ingest.TrackingApiAnswers;
import io.github.segmenttotango.inbox.InboxFileReader;
import io.github.segmenttotango.ingest.AcceptedEvents;
import io.github.segmenttotango.ingest.EventsQueueWriter;
import io.github.segmenttotango.ingest.JsonBodyUnderAnyContentType;
import io.github.segmenttotango.ingest.RequestHeadersOnly;
import io.github.segmenttotango.ingest.TrackingApiUnavailable;
import io.github.segmenttotango.ingest.SegmentJson;
import io.github.segmenttotango.ingest.QueuedEventsReader;
import io.github.segmenttotango.ingest.QueuedEventsRetry;
import io.github.segmenttotango.ingest.SegmentRequestReader;
import io.github.segmenttotango.ingest.WriteKeys;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.deadletter.DeadLetters;
import io.github.segmenttotango.delivery.Outbox;
import io.github.segmenttotango.state.DeadLetterFiles;
import io.github.segmenttotango.state.GroupContextStore;
import io.github.segmenttotango.state.GroupContextTable;
import io.github.segmenttotango.state.ParkedEvents;
import io.github.segmenttotango.state.ParkedEventsTable;
import io.github.segmenttotango.state.SeenMessageIds;
import io.github.segmenttotango.state.SeenMessageIdsRocksDb;
import io.github.segmenttotango.state.SeenMessageIdsTable;
import io.github.segmenttotango.state.StateDatabaseConnections;
import io.github.segmenttotango.state.StateDatabaseUrl;

import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.metrics.BundleReadiness;
import io.github.segmenttotango.preview.TotangoPreview;
import io.github.segmenttotango.routing.EventFacts;
import io.github.segmenttotango.queue.BacklogGuard;
import io.github.segmenttotango.queue.DataDiskSpace;
import io.github.segmenttotango.server.HttpConnectionLimits;
import io.github.segmenttotango.server.LimitedVertx;

import io.vertx.core.Vertx;
import io.github.segmenttotango.queue.EmbeddedQueueBroker;
import io.github.segmenttotango.queue.QuietRollbacks;
import io.github.segmenttotango.queue.RefuseIngestWhileStopping;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.health.HealthCheckRegistry;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.LoggingLevel;
import org.apache.camel.Processor;
import org.apache.camel.builder.SpringTransactionErrorHandlerBuilder;
import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.jms.connection.JmsTransactionManager;
import org.springframework.jms.core.JmsTemplate;
import jakarta.jms.ConnectionFactory;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

/**
 * Reads and checks the settings, then binds the beans the routes call by name:
 * {@code segmentRequests}, {@code segmentToTotango}, {@code groupContexts}, {@code deadLetters},
 * {@code encodeTotangoForm}, the expressions of {@link EventFacts} and the {@code stateDataSource}.
 */
public class BundleConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BundleConfiguration.class);
    /**
     * The events queue's messages stay under the broker's threshold for "large" messages (100 KiB
     * by default), which it stores in files of their own; a larger request is still one message.
     */
    private static final int EVENTS_MESSAGE_BYTES = 96 * 1024;

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        BundleSettings settings = BundleSettings.read(key -> properties.resolveProperty(key).orElse(null));
        checkPortIsFree(properties.resolveProperty("camel.server.host").orElse("0.0.0.0"),
                properties.resolveProperty("camel.server.port").orElse("8080"));
        properties.addOverrideProperty("totango.endpoint", settings.totangoUrl());
        // the routes' filters read the setting as the mapping does (checked, trimmed, lower case)
        properties.addOverrideProperty("totango.track-module-from-last-page",
                String.valueOf(settings.mapping().trackModuleFromLastPage()));
        // Routes take durations in milliseconds: each duration setting also exists as <key>.millis.
        settings.durations().forEach((key, duration) ->
                properties.addOverrideProperty(key + ".millis", String.valueOf(duration.toMillis())));
        if (settings.inboxDoneMarker()) {
            // the file drop's doneFileName option ({{?inbox.done-file-name}}: absent, the option is not set)
            properties.addOverrideProperty("inbox.done-file-name", "${file:name}.done");
        }
        Clock clock = Clock.systemUTC();
        BundleMetrics metrics = new BundleMetrics(context);
        context.getRegistry().bind("bundleMetrics", metrics);

        WriteKeys writeKeys = new WriteKeys(settings.writeKeys());
        if (writeKeys.open()) {
            LOG.warn("segment.write-keys (SEGMENT_WRITE_KEYS) is empty: any write key is accepted. Set it before exposing the bundle.");
        }
        String jdbcUrl = StateDatabaseUrl.of(properties.resolveProperty("bridge.state.jdbc-url").orElse(""), settings.dataDir());
        StateDatabaseConnections state = new StateDatabaseConnections(jdbcUrl);
        addService(context, state, "the state database");
        DataSource dataSource = state.dataSource();
        context.getRegistry().bind("stateDataSource", dataSource);
        startQueue(context, settings);
        context.getRegistry().bind("seenMessageIds", seenMessageIds(context, settings, dataSource, clock));
        context.getRegistry().bind("segmentRequests", new SegmentRequestReader(settings.limits(), writeKeys, clock));
        // called when the HTTP server is up, before the routes start
        context.addStartupListener((started, alreadyStarted) -> {
            JsonBodyUnderAnyContentType.install(started);
            TrackingApiUnavailable.install(started, properties.resolveProperty("delivery.backpressure-retry-after").orElse("30"));
        });
        context.getRegistry().bind("acceptedEvents", new AcceptedEvents(SegmentJson.mapper(settings.limits())));
        ProducerTemplate sends = context.createProducerTemplate();
        addService(context, sends, "the events queue's sender");
        String eventsQueue = properties.resolveProperty("ingest.queue-uri").orElseThrow();
        context.getRegistry().bind("eventsQueue", new EventsQueueWriter(
                message -> sends.sendBody(eventsQueue, ExchangePattern.InOnly, message), EVENTS_MESSAGE_BYTES));
        SegmentToTotango mapping = new SegmentToTotango(settings.mapping());
        GroupContextStore groupContexts = new GroupContextTable(dataSource, settings.groupContextTtl(),
                settings.groupContextMaxEntries(), clock);
        context.getRegistry().bind("segmentToTotango", mapping);
        context.getRegistry().bind("groupContexts", groupContexts);
        // what the event router asks of each event (ref: in routes/event-routing.yaml)
        context.getRegistry().bind("callTypeOfEvent", EventFacts.callType());
        context.getRegistry().bind("eventGoesToTotango", EventFacts.sentToTotango());
        context.getRegistry().bind("accountOfEvent", EventFacts.account(groupContexts));
        context.getRegistry().bind("lastPageModuleOfEvent", EventFacts.lastPageModule(groupContexts));
        context.getRegistry().bind("countAccepted", metrics.countsAccepted());
        context.getRegistry().bind("countDelivered", metrics.countsDelivered());
        context.getRegistry().bind("totangoPreview", new TotangoPreview(mapping, groupContexts, settings.serviceId(),
                settings.totangoUrl(), !settings.apiToken().isEmpty()));
        ParkedEvents parked = new ParkedEventsTable(dataSource, settings.durations().get("delivery.park-window"), clock);
        // the request's Outbox is what releases parked events (routes/event-routing.yaml, release-parked-events)
        context.getTypeConverterRegistry().addTypeConverter(ParkedEvents.Releases.class, Outbox.class,
                new ReleasesOfOutbox());
        java.nio.file.Path deadLetterFolder = settings.dataDir().resolve("dead-letter");
        DeadLetterFiles deadLetterStore = new DeadLetterFiles(deadLetterFolder, dataSource, settings.deadLetterRetention(), clock).open();
        DeadLetters deadLetters = new DeadLetters(deadLetterStore, metrics, settings.deadLetterMaxBytes(), clock);
        context.getRegistry().bind("parkedEvents", parked);
        BacklogGuard backlog = context.getRegistry().lookupByNameAndType("backlogGuard", BacklogGuard.class);
        metrics.watch(backlog::backlog, backlog::queuedRequests, parked::count);
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(new BundleReadiness(List.of(settings.dataDir(), deadLetterFolder, settings.inboxDir()),
                    context.getRegistry().lookupByNameAndType("queueBroker", EmbeddedQueueBroker.class),
                    context.getRegistry().lookupByNameAndType("dataDiskSpace", DataDiskSpace.class)));
        }
        context.getRegistry().bind("deadLetters", deadLetters);
        context.getRegistry().bind("queuedEvents", new QueuedEventsReader(
                new JmsTemplate(context.getRegistry().lookupByNameAndType("queueConnections", ConnectionFactory.class)),
                jmsQueueOf(context, "ingest.queue-uri"), context.getRegistry().lookupByNameAndType("acceptedEvents", AcceptedEvents.class),
                deadLetters::keepUnreadableMessage, settings.routingBatchEvents(), 100));
        context.getRegistry().bind("queuedEventsRetry", new QueuedEventsRetry(settings.durations().get("ingest.retry.initial-delay"),
                settings.durations().get("ingest.retry.max-delay")));
        // the first step of each HTTP entry route: headers from the request itself, never its query string
        context.getRegistry().bind("trackingApiRequestHeaders", new RequestHeadersOnly("/v1/{call}"));
        context.getRegistry().bind("adminRequestHeaders", new RequestHeadersOnly("/admin/dead-letter/{id}"));
        context.getRegistry().bind("adminAccess", new AdminAccess(properties.resolveProperty("bridge.admin-token").orElse("")));
        context.getRegistry().bind("deadLetterAdmin", new DeadLetterAdmin(deadLetterStore, parked, settings.limits()));
        context.getRegistry().bind("trackingApiAnswers", new TrackingApiAnswers());
        context.getRegistry().bind("corsPolicy", settings.cors());
        context.getRegistry().bind("totangoAnswers", new TotangoAnswers(settings.durations().get("delivery.retry.window")));
        context.getRegistry().bind("prepareRetry", new PrepareRetry(settings.durations().get("delivery.retry.window"), metrics));
        context.getManagementStrategy().addEventNotifier(new CutCallsOnStop(context, settings.durations().get("delivery.stop-grace")));
        context.getRegistry().bind("inboxFiles", new InboxFileReader(settings.inboxDir(), settings.limits(), clock,
                settings.durations().get("inbox.settle-time"), settings.inboxDoneMarker()));
        TotangoForm form = new TotangoForm(settings.serviceId(), settings.apiToken());
        // the step that turns the call in the body into its form (routes/delivery.yaml)
        context.getRegistry().bind("encodeTotangoForm", (Processor) exchange ->
                exchange.getMessage().setBody(form.encode(exchange.getMessage().getMandatoryBody(TotangoCall.class))));
        // last: its Vert.x threads start here, once nothing above can fail
        HttpConnectionLimits connectionLimits = limitConnections(context, settings);
        context.addStartupListener((started, alreadyStarted) -> connectionLimits.install(started));
        LOG.info("Delivering to Totango at {} for service {} (data in {})", settings.totangoUrl(), settings.serviceId(),
                settings.dataDir());
        LOG.info("Settings: {}", settings.describe());
    }

    /**
     * The dedup window: a RocksDB store in {@code <data-dir>/dedup} (stopped with the bundle, after its
     * routes), or a table in the state database.
     */
    private static SeenMessageIds seenMessageIds(CamelContext context, BundleSettings settings, DataSource state, Clock clock) {
        Duration window = settings.durations().get("segment.dedup-window");
        if (settings.dedupStore().equals(BundleSettings.DEDUP_IN_STATE_DATABASE)) {
            return new SeenMessageIdsTable(state, window, clock);
        }
        SeenMessageIdsRocksDb store;
        try {
            store = new SeenMessageIdsRocksDb(settings.dataDir().resolve("dedup"), settings.dataDir().resolve("native"), window, clock);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("segment.dedup-store (SEGMENT_DEDUP_STORE) " + BundleSettings.DEDUP_IN_ROCKSDB
                    + " cannot be used: " + e.getMessage() + "; " + BundleSettings.DEDUP_IN_STATE_DATABASE + " keeps the window in the state database", e);
        }
        addService(context, store, "the dedup store");
        return store;
    }

    /**
     * Camel's Vert.x server logs a port it cannot bind and carries on without it (the bundle would run
     * deaf), so the port is tried before it starts.
     */
    private static void checkPortIsFree(String host, String port) {
        int number;
        try {
            number = Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("camel.server.port (CAMEL_SERVER_PORT) must be a port number, not '" + port + "'");
        }
        if (number == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, number));
        } catch (IOException e) {
            throw new IllegalArgumentException("camel.server.port (CAMEL_SERVER_PORT) " + number + " on " + host
                    + " cannot be used: " + e.getMessage());
        }
    }

    /**
     * The Vert.x instance Camel's HTTP server takes from the registry, whose servers get the bundle's
     * connection limit, header and idle timeouts; closed after the bundle has stopped.
     */
    private static HttpConnectionLimits limitConnections(CamelContext context, BundleSettings settings) {
        Vertx vertx = Vertx.vertx();
        HttpConnectionLimits limits = new HttpConnectionLimits(vertx, settings.httpMaxConnections(),
                settings.durations().get("segment.http.header-timeout"), settings.durations().get("segment.http.idle-timeout"));
        limits.checkDescriptorLimit();
        context.getRegistry().bind("vertx", LimitedVertx.of(vertx, limits));
        context.getRegistry().bind("httpConnectionLimits", limits);
        // closed once Camel has stopped everything, its HTTP server included
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.CamelContextStoppedEvent;
            }

            @Override
            public void notify(CamelEvent event) throws Exception {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        });
        return limits;
    }

    /**
     * Starts the embedded Artemis broker that holds the events queue (always a {@code jms:} queue:
     * its reader takes messages off in the queue transaction that queues their calls) and, by
     * default, the delivery queue; binds the {@code jms} component and the queue transaction to it.
     * Another delivery queue (Kafka, a shared broker) brings its own component.
     */
    /** A service that stops with the bundle, after its routes. */
    private static void addService(CamelContext context, Object service, String what) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot register " + what + ": " + e.getMessage(), e);
        }
    }

    private static void startQueue(CamelContext context, BundleSettings settings) {
        String deliveryQueue = jmsQueueOf(context, "delivery.queue-uri");
        String eventsQueue = jmsQueueOf(context, "ingest.queue-uri");
        EmbeddedQueueBroker broker = new EmbeddedQueueBroker(settings.dataDir().resolve("queue"), settings.queueMaxBytes(),
                settings.queueMaxDiskUsage(), eventsQueue);
        broker.start();
        addService(context, broker, "the queue broker");
        ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory(broker.inVmUrl());
        // the queue is always the same: without this, each send asks the broker about it (a round trip)
        connections.setCacheDestinations(true);
        CachingConnectionFactory cached = new CachingConnectionFactory(connections);
        cached.setSessionCacheSize(32);
        // Services stop in the reverse order of their adding: the connection closes before the broker
        // stops, instead of being cut by its shutdown (an exception and its stack trace in the log).
        addService(context, new ServiceSupport() {
            @Override
            protected void doStop() {
                cached.destroy();
            }
        }, "the queue's connections");
        // The reader takes a batch of events off the events queue and queues their calls in one JMS
        // transaction (one commit, one disk sync): the routes' transacted EIP takes this policy.
        SpringTransactionPolicy queueTransaction = new SpringTransactionPolicy(new JmsTransactionManager(cached));
        queueTransaction.setPropagationBehaviorName("PROPAGATION_REQUIRED");
        context.getRegistry().bind("queueTransaction", queueTransaction);
        // The reader's transaction: a failure is rolled back and retried by the reader, which logs it
        // once with its root cause; Camel's default transaction error handler would log an ERROR with
        // a stack trace, and a WARN for the rollback, at every attempt.
        SpringTransactionErrorHandlerBuilder rollsBackQuietly = new SpringTransactionErrorHandlerBuilder(queueTransaction);
        rollsBackQuietly.rollbackLoggingLevel(LoggingLevel.DEBUG);
        rollsBackQuietly.setLevel(LoggingLevel.OFF.name());
        context.getRegistry().bind("queueTransactionRollsBackQuietly", rollsBackQuietly);
        context.getRegistry().bind("queueBroker", broker);
        DataDiskSpace disk = new DataDiskSpace(settings.dataDir(), settings.minFreeDisk(), settings.queueMaxDiskUsage());
        context.getRegistry().bind("dataDiskSpace", disk);
        BacklogGuard backlog = new BacklogGuard(broker, deliveryQueue, eventsQueue, settings.maxBacklog(), disk);
        context.getRegistry().bind("backlogGuard", backlog);
        context.getManagementStrategy().addEventNotifier(new RefuseIngestWhileStopping(backlog));
        context.getRegistry().bind("queueConnections", cached);
        JmsComponent jms = JmsComponent.jmsComponent(cached);
        // a delivery message rolled back on purpose (a stop) is logged by its route, not with a stack trace
        jms.setErrorHandler(new QuietRollbacks(context));
        context.addComponent("jms", jms);
    }

    /** The queue name of a {@code jms:} endpoint setting, or null when it is another kind of endpoint. */
    private static String jmsQueueOf(CamelContext context, String setting) {
        String uri = context.getPropertiesComponent().resolveProperty(setting).orElse("");
        return uri.startsWith("jms:") ? uri.replaceFirst("^jms:(queue:)?", "").replaceFirst("\\?.*$", "") : null;
    }

    /** An Outbox releases parked events as {@link ParkedEvents.Releases} does (the store knows no Outbox). */
    private static final class ReleasesOfOutbox extends org.apache.camel.support.TypeConverterSupport {
        @Override
        public <T> T convertTo(Class<T> type, org.apache.camel.Exchange exchange, Object value) {
            Outbox outbox = (Outbox) value;
            return type.cast((ParkedEvents.Releases) outbox::release);
        }
    }
}
