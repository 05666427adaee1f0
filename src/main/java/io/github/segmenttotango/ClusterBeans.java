package io.github.segmenttotango;

import io.github.segmenttotango.cluster.ClusterSettings;
import io.github.segmenttotango.cluster.ClusterTopics;
import io.github.segmenttotango.cluster.KafkaCallsSender;
import io.github.segmenttotango.cluster.KafkaCallsWriter;
import io.github.segmenttotango.cluster.KafkaEventsRouter;
import io.github.segmenttotango.cluster.KafkaEventsWriter;
import io.github.segmenttotango.cluster.KafkaReadiness;
import io.github.segmenttotango.deadletter.DeadLetters;
import io.github.segmenttotango.ingest.AcceptedEvents;
import io.github.segmenttotango.ingest.QueuedEventsRetry;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.metrics.ConsumerLag;
import io.github.segmenttotango.util.RootCause;

import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Cluster mode on Kafka (docs/cluster.md): the topics, created when missing; {@code eventsQueue}
 * rebound to the events topic; the routing of the events topic into the calls topic; Kafka's
 * readiness (ingest refuses while Kafka cannot be reached); and the consumers of the calls topic that
 * delivery reads ({@link #callsConsumers}). The single process binds none of it.
 */
final class ClusterBeans {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterBeans.class);
    /** How long the start waits for Kafka to answer (the topics). */
    private static final long START_WAIT_SECONDS = 30;
    /** The most records one poll of the events topic takes (each holds one request's events of one user). */
    private static final int ROUTING_RECORDS = 500;
    private static final int DELIVERY_RECORDS = 500;

    /** What delivery uses of cluster mode: its consumers of the calls topic, and their lag. */
    record Cluster(ClusterSettings settings, Supplier<Consumer<byte[], byte[]>> callsConsumers, ConsumerLag callsLag) {
    }

    private ClusterBeans() {
    }

    static Cluster bind(CamelContext context, BundleSettings bundle, ClusterSettings settings, QueueBeans.Queue queue,
            DeadLetters deadLetters, BundleMetrics metrics) throws Exception {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> adminConfig = new HashMap<>(settings.clientProperties());
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "segment-totango-admin-" + instance);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) settings.sendTimeout().toMillis());
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMillis(settings));
        Admin admin = Admin.create(adminConfig);
        try {
            ClusterTopics.createMissing(admin, settings, START_WAIT_SECONDS);
        } catch (Exception e) {
            admin.close(Duration.ofSeconds(1));
            throw new IllegalArgumentException("bridge.cluster.kafka-brokers (BRIDGE_CLUSTER_KAFKA_BROKERS): Kafka at "
                    + settings.brokers() + " did not answer within " + START_WAIT_SECONDS + " s (" + RootCause.messageOf(e) + ")", e);
        }
        LOG.info("Cluster mode: events on Kafka topic {}, Totango calls on {} (Kafka at {}{})", settings.eventsTopic(),
                settings.callsTopic(), settings.brokers(), settings.clientProperties().isEmpty() ? ""
                        : ", with client properties " + settings.clientProperties().keySet() + ", values masked");

        KafkaReadiness readiness = new KafkaReadiness(admin, settings.brokers(), requestTimeoutMillis(settings));
        readiness.start();
        queue.backlog().refuseWhile(readiness::unreachable);
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(readiness);
        }

        Producer<byte[], byte[]> events = new KafkaProducer<>(producerConfig(settings, "segment-totango-events-" + instance));
        AcceptedEvents accepted = context.getRegistry().lookupByNameAndType("acceptedEvents", AcceptedEvents.class);
        KafkaEventsWriter eventsTopic = new KafkaEventsWriter(events, settings.eventsTopic(), accepted);
        // the route step that writes a request's events: waits for Kafka (its send can wait for the
        // topic's metadata, so the Tracking API's route stays off the event loop in cluster mode)
        context.getRegistry().bind("eventsQueue", (Processor) exchange -> eventsTopic.write(exchange.getMessage().getMandatoryBody(byte[].class)));
        context.getRegistry().bind("clusterCalls", new KafkaCallsSender(events, settings.callsTopic()));

        ConsumerLag eventsLag = new ConsumerLag(settings.eventsTopic());
        ConsumerLag callsLag = new ConsumerLag(settings.callsTopic());
        metrics.alsoRegister(eventsLag.gauge());
        metrics.alsoRegister(callsLag.gauge());
        KafkaCallsWriter calls = new KafkaCallsWriter(() -> {
            Map<String, Object> config = producerConfig(settings, "segment-totango-calls-" + instance);
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.consumerGroup() + "-router-" + UUID.randomUUID());
            // a transaction left open by an instance that died holds up the calls topic's readers until Kafka aborts it
            config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) settings.sessionTimeout().toMillis() * 2);
            return new KafkaProducer<>(config);
        }, settings.callsTopic());
        Map<String, Object> routing = consumerConfig(settings, settings.routingGroup(), "segment-totango-routing-" + instance,
                Math.min(ROUTING_RECORDS, bundle.routingBatchEvents()));
        KafkaEventsRouter router = new KafkaEventsRouter(() -> new KafkaConsumer<>(routing), settings.eventsTopic(), calls, context,
                accepted, deadLetters::keepUnreadableMessage, new QueuedEventsRetry(bundle.durations().get("ingest.retry.initial-delay"),
                        bundle.durations().get("ingest.retry.max-delay")), eventsLag);
        // the router calls routes: it starts once they run, and stops as the stop begins, while they still run
        Services.startOnceRoutesRun(context, router);
        context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.CamelContextStoppingEvent;
            }

            @Override
            public void notify(CamelEvent event) {
                router.stop();
            }
        });
        Services.add(context, new ServiceSupport() {
            @Override
            protected void doStop() {
                router.stop();
                readiness.stop();
                events.close(Duration.ofSeconds(5));
                admin.close(Duration.ofSeconds(2));
            }
        }, "cluster mode's Kafka clients");

        Map<String, Object> delivery = consumerConfig(settings, settings.deliveryGroup(), "segment-totango-delivery-" + instance,
                DELIVERY_RECORDS);
        return new Cluster(settings, () -> new KafkaConsumer<>(delivery), callsLag);
    }

    /** An idempotent producer: acks=all, a send that Kafka did not acknowledge within bridge.cluster.send-timeout fails. */
    private static Map<String, Object> producerConfig(ClusterSettings settings, String clientId) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.sendTimeout().toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMillis(settings));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) settings.sendTimeout().toMillis());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    /** A consumer of one of the groups: offsets committed by the bundle only, committed records only. */
    private static Map<String, Object> consumerConfig(ClusterSettings settings, String group, String clientId, int maxRecords) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxRecords);
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout().toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, settings.sessionTimeout().toMillis() / 3));
        // a rebalance moves only the partitions that change hands; the others keep being delivered
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }

    /** Each request to Kafka waits at most half the send timeout, so that one retry fits in it. */
    private static int requestTimeoutMillis(ClusterSettings settings) {
        return (int) Math.max(1000, settings.sendTimeout().toMillis() / 2);
    }
}
