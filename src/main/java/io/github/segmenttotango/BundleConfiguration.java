package io.github.segmenttotango;

import io.github.segmenttotango.cluster.ClusterSettings;
import io.github.segmenttotango.deadletter.DeadLetters;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.metrics.BundleReadiness;
import io.github.segmenttotango.metrics.HealthGauges;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;

import javax.sql.DataSource;

/**
 * Reads and checks the settings, then binds the beans the routes call by name, one concern at a
 * time: the state database, the queue, the stores, ingest, cluster mode's Kafka, the mapping, the admin
 * API, delivery, the file drop and, last, the HTTP server's connection limits.
 */
public class BundleConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BundleConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        BundleSettings settings = BundleSettings.read(key -> properties.resolveProperty(key).orElse(null));
        ClusterSettings cluster = ClusterSettings.read(key -> properties.resolveProperty(key).orElse(null));
        HttpServerBeans.checkPortIsFree(Setting.of(context, "camel.server.host"),
                Setting.of(context, "camel.server.port"));
        publishDerivedSettings(properties, settings, cluster);
        Clock clock = Clock.systemUTC();
        BundleMetrics metrics = new BundleMetrics(context);
        context.getRegistry().bind("bundleMetrics", metrics);

        // services stop in the reverse order of their adding: the dedup store, the queue, then the state database
        DataSource dataSource = StateBeans.database(context, settings);
        QueueBeans.Queue queue = QueueBeans.bind(context, settings);
        StateBeans.Stores stores = StateBeans.stores(context, settings, dataSource, clock);
        DeadLetters deadLetters = new DeadLetters(stores.deadLetters(), metrics, settings.deadLetterMaxBytes(), clock);
        context.getRegistry().bind("deadLetters", deadLetters);
        IngestBeans.bind(context, settings, clock, queue, deadLetters, metrics, cluster.on());
        ClusterBeans.Cluster kafka = cluster.on() ? ClusterBeans.bind(context, settings, cluster, queue, deadLetters, metrics) : null;
        SegmentToTotango mapping = MappingBeans.bind(context, settings, stores.groupContexts(), metrics);
        AdminBeans.bind(context, settings, stores, mapping);
        DeliveryBeans.bind(context, settings, metrics, queue, kafka);
        InboxBeans.bind(context, settings, clock, dataSource);
        watch(context, settings, metrics, queue, stores);
        // cluster mode's events topic waits for Kafka (KafkaEventsWriter): its routes stay on Vert.x's workers
        HttpServerBeans.runOnEventLoop(context, cluster.on() ? "" : Setting.of(context, "ingest.event-loop-routes"));
        HttpServerBeans.limitConnections(context, settings);
        LOG.info("Delivering to Totango at {} for service {} (data in {})", settings.totangoUrl(), settings.serviceId(),
                settings.dataDir());
        LOG.info("Settings: {}", settings.describe());
    }

    /**
     * Settings the routes read in another form than the properties file gives them (listed at the end
     * of config/application.properties).
     */
    private static void publishDerivedSettings(PropertiesComponent properties, BundleSettings settings, ClusterSettings cluster) {
        // the single process routes its events queue (route-queued-events-in-order); cluster mode routes the events topic
        properties.addOverrideProperty("ingest.routes-events-queue", String.valueOf(!cluster.on()));
        properties.addOverrideProperty("bridge.cluster.on", String.valueOf(cluster.on()));
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
    }

    /** The gauges of the backlog and the parked events, and the readiness check. */
    private static void watch(CamelContext context, BundleSettings settings, BundleMetrics metrics, QueueBeans.Queue queue,
            StateBeans.Stores stores) {
        metrics.watch(queue.backlog()::backlog, queue.backlog()::queuedRequests, stores.parked()::count);
        metrics.alsoRegister(new HealthGauges(context, queue.disk(), queue.broker(), QueueBeans.jmsQueueOf(context, "ingest.queue-uri"),
                QueueBeans.jmsQueueOf(context, "delivery.queue-uri"), settings.maxBacklog()));
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(new BundleReadiness(List.of(settings.dataDir(), stores.deadLetterFolder(), settings.inboxDir()),
                    queue.broker(), queue.disk()));
        }
    }
}
