package io.github.segmenttotango;

import io.github.segmenttotango.queue.BacklogGuard;
import io.github.segmenttotango.queue.DataDiskSpace;
import io.github.segmenttotango.queue.EmbeddedQueueBroker;
import io.github.segmenttotango.queue.RefuseIngestWhileStopping;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import jakarta.jms.ConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.SpringTransactionErrorHandlerBuilder;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.springframework.jms.connection.JmsTransactionManager;

/**
 * Starts the embedded Artemis broker that holds the events queue (always a {@code jms:} queue: its
 * reader takes messages off in the queue transaction that queues their calls) and, by default, the
 * delivery queue; binds the {@code jms} component, the queue transaction, {@code backlogGuard} and
 * {@code dataDiskSpace}. Another delivery queue (Kafka, a shared broker) brings its own component.
 */
final class QueueBeans {

    /** What the other concerns use of the queue. */
    record Queue(EmbeddedQueueBroker broker, CachingConnectionFactory connections, BacklogGuard backlog, DataDiskSpace disk,
            ConnectionFactory deliveryConnections, String deliveryQueue) {
    }

    private QueueBeans() {
    }

    static Queue bind(CamelContext context, BundleSettings settings) {
        String deliveryQueue = jmsQueueOf(context, "delivery.queue-uri");
        String eventsQueue = jmsQueueOf(context, "ingest.queue-uri");
        EmbeddedQueueBroker broker = new EmbeddedQueueBroker(settings.dataDir().resolve("queue"), settings.queueMaxBytes(),
                settings.queueMaxDiskUsage(), eventsQueue, deliveryQueue);
        broker.start();
        Services.add(context, broker, "the queue broker");
        ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory(broker.inVmUrl());
        // the queue is always the same: without this, each send asks the broker about it (a round trip)
        connections.setCacheDestinations(true);
        CachingConnectionFactory cached = new CachingConnectionFactory(connections);
        cached.setSessionCacheSize(32);
        // Services stop in the reverse order of their adding: the connection closes before the broker
        // stops, instead of being cut by its shutdown (an exception and its stack trace in the log).
        Services.add(context, new ServiceSupport() {
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
        context.getRegistry().bind("checkBacklog", backlog.checks());
        context.getManagementStrategy().addEventNotifier(new RefuseIngestWhileStopping(backlog));
        context.getRegistry().bind("queueConnections", cached);
        context.addComponent("jms", JmsComponent.jmsComponent(cached));
        // the reader of the delivery queue acknowledges each message on its own: its own connection, not a cached session's
        return new Queue(broker, cached, backlog, disk, connections, deliveryQueue);
    }

    /** The queue name of a {@code jms:} endpoint setting, or null when it is another kind of endpoint. */
    static String jmsQueueOf(CamelContext context, String setting) {
        String uri = Setting.of(context, setting);
        return uri.startsWith("jms:") ? uri.replaceFirst("^jms:(queue:)?", "").replaceFirst("\\?.*$", "") : null;
    }
}
