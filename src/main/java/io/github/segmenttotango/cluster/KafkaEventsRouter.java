package io.github.segmenttotango.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.AcceptedEvents;
import io.github.segmenttotango.ingest.QueuedEventsReader;
import io.github.segmenttotango.ingest.QueuedEventsRetry;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.metrics.ConsumerLag;
import io.github.segmenttotango.queue.BackgroundWork;
import io.github.segmenttotango.routing.CallsOfEvents;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Cluster mode's routing: the instances consume the events topic as one consumer group; each batch of
 * records polled goes through the same routes as the single process's batches
 * ({@code direct:accept-segment-events}: dedup, group context, parking, mapping, with the state shared
 * in PostgreSQL), and its Totango calls go to the calls topic in the same Kafka transaction as the
 * batch's offsets ({@link KafkaCallsWriter}). Once that is committed, {@code direct:remember-routed-events}
 * remembers the messageIds and forgets the parked events released, as after a commit of the single
 * process's queue transaction.
 *
 * <p>A failure (PostgreSQL away, Kafka refusing the transaction) aborts the transaction and puts the
 * consumer back to the batch's first records, so that nothing passes them; the batch is routed again
 * after a growing delay ({@link QueuedEventsRetry}). A crash between the commit and the remembering
 * leaves the dedup window without the batch's ids: their calls are queued, once.
 */
public final class KafkaEventsRouter extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventsRouter.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final KafkaCallsWriter calls;
    private final CamelContext context;
    private final AcceptedEvents messages;
    private final QueuedEventsReader.UnreadableMessages unreadable;
    private final QueuedEventsRetry retry;
    private final ConsumerLag lag;
    private Endpoint route;
    private Endpoint remember;
    private ProducerTemplate template;
    private Consumer<byte[], byte[]> consumer;
    private Thread thread;
    private volatile boolean open;

    public KafkaEventsRouter(Supplier<Consumer<byte[], byte[]>> consumers, String topic, KafkaCallsWriter calls, CamelContext context,
            AcceptedEvents messages, QueuedEventsReader.UnreadableMessages unreadable, QueuedEventsRetry retry, ConsumerLag lag) {
        this.consumers = consumers;
        this.topic = topic;
        this.calls = calls;
        this.context = context;
        this.messages = messages;
        this.unreadable = unreadable;
        this.retry = retry;
        this.lag = lag;
    }

    @Override
    protected void doStart() {
        route = context.getEndpoint("direct:accept-segment-events");
        remember = context.getEndpoint("direct:remember-routed-events");
        template = context.createProducerTemplate();
        consumer = consumers.get();
        consumer.subscribe(List.of(topic));
        open = true;
        thread = new Thread(this::run, "kafka-events-router");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        BackgroundWork.runsBehindIngest();
        try {
            while (open) {
                if (!retry.isDue()) {
                    sleep(POLL.toMillis());
                    continue;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                lag.measure(consumer);
                if (!records.isEmpty()) {
                    routeBatch(records);
                }
            }
        } catch (WakeupException stopping) {
            // the stop
        } catch (RuntimeException e) {
            LOG.error("The routing of the events topic stopped: {}", e.toString());
        } finally {
            calls.close();
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void routeBatch(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            first.putIfAbsent(partition, record.offset());
            next.put(partition, new OffsetAndMetadata(record.offset() + 1));
        }
        List<ObjectNode> events = new ArrayList<>();
        try {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                try {
                    events.addAll(messages.fromMessage(record.value()));
                } catch (AcceptedEvents.UnreadableMessage failure) {
                    // only a record written by something else than the bundle: kept as a dead letter (PostgreSQL), taken off
                    unreadable.keep(record.value(), failure.getMessage());
                }
            }
            Exchange batch = route.createExchange();
            batch.getMessage().setBody(events);
            if (!events.isEmpty()) {
                template.send(route, batch);
                failIfFailed(batch);
            }
            Object body = batch.getMessage().getBody();
            @SuppressWarnings("unchecked")
            List<TotangoCall> made = CallsOfEvents.any(body) ? (List<TotangoCall>) body : List.of();
            calls.queue(made, next, consumer.groupMetadata());
            LOG.debug("Routed {} record(s), {} event(s), to {} Totango call(s)", records.count(), events.size(), made.size());
            retry.succeeded();
            if (!events.isEmpty()) {
                batch.getMessage().setBody(null);
                template.send(remember, batch);
                if (batch.getException() != null) {
                    LOG.warn("A routed batch's messageIds could not be remembered: {}", batch.getException().getMessage());
                }
            }
        } catch (Exception failed) {
            rewind(first);
            retry.failed(failed);
        }
    }

    private static void failIfFailed(Exchange exchange) throws Exception {
        if (exchange.getException() != null) {
            throw exchange.getException();
        }
    }

    /** Puts the consumer back to the batch's first records (of the partitions it still holds): nothing passes them. */
    private void rewind(Map<TopicPartition, Long> first) {
        try {
            for (Map.Entry<TopicPartition, Long> partition : first.entrySet()) {
                if (consumer.assignment().contains(partition.getKey())) {
                    consumer.seek(partition.getKey(), partition.getValue());
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not put the events consumer back: {}", e.getMessage());
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            open = false;
        }
    }

    @Override
    protected void doStop() throws Exception {
        open = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
        if (template != null) {
            template.stop();
        }
    }
}
