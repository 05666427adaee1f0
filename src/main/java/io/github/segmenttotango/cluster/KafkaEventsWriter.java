package io.github.segmenttotango.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.AcceptedEvents;
import io.github.segmenttotango.ingest.IngestException;
import io.github.segmenttotango.util.RootCause;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Cluster mode's {@code eventsQueue}: writes the accepted events of a request (or of a chunk of a
 * dropped file) to the events topic and returns once Kafka acknowledged them ({@code acks=all} on an
 * idempotent producer), one record per user (userId, else anonymousId) holding that user's events
 * in order, keyed by the user so that a user's events stay in one partition, in order. When Kafka
 * does not acknowledge them within {@code bridge.cluster.send-timeout}, the request is refused whole
 * with 503 {@code queue_unavailable} (the client sends it again; a record Kafka took meanwhile is a
 * duplicate the dedup window drops).
 */
public final class KafkaEventsWriter {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventsWriter.class);
    /** The largest record value written: under Kafka's default limit of a record batch (1 MB), with room for the batch's own bytes. */
    static final int MAX_RECORD_BYTES = 900 * 1024;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final AcceptedEvents messages;

    public KafkaEventsWriter(Producer<byte[], byte[]> producer, String topic, AcceptedEvents messages) {
        this.producer = producer;
        this.topic = topic;
        this.messages = messages;
    }

    /** Writes the events of one request (an {@link AcceptedEvents} message, a JSON array); returns once Kafka has them. */
    public void write(byte[] events) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try {
            for (Map.Entry<String, List<ObjectNode>> ofUser : byUser(messages.fromMessage(events)).entrySet()) {
                byte[] key = ofUser.getKey().getBytes(StandardCharsets.UTF_8);
                for (byte[] value : values(ofUser.getValue())) {
                    sends.add(producer.send(new ProducerRecord<>(topic, key, value)));
                }
            }
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }
        } catch (ExecutionException | org.apache.kafka.common.KafkaException e) {
            String why = RootCause.messageOf(e);
            LOG.warn("Kafka did not take a request's events, it is answered 503: {}", why);
            throw new IngestException(503, "queue_unavailable", "Kafka did not take the events in time; send them again in a moment");
        }
    }

    /**
     * A user's events as record values of at most {@link #MAX_RECORD_BYTES} (a file chunk of one
     * user's large events can pass Kafka's 1 MB default), halved until they fit, in order.
     */
    private List<byte[]> values(List<ObjectNode> events) throws Exception {
        byte[] all = messages.toMessage(events);
        if (all.length <= MAX_RECORD_BYTES || events.size() == 1) {
            return List.of(all);
        }
        List<byte[]> values = new ArrayList<>(values(events.subList(0, events.size() / 2)));
        values.addAll(values(events.subList(events.size() / 2, events.size())));
        return values;
    }

    /** The events by user (userId, else anonymousId), users in the order they first came, each user's events in order. */
    public static Map<String, List<ObjectNode>> byUser(List<ObjectNode> events) {
        Map<String, List<ObjectNode>> byUser = new LinkedHashMap<>();
        for (ObjectNode event : events) {
            byUser.computeIfAbsent(userOf(event), key -> new ArrayList<>()).add(event);
        }
        return byUser;
    }

    /** The key of an event's user: its userId, else its anonymousId, else empty. */
    public static String userOf(JsonNode event) {
        for (String field : List.of("userId", "anonymousId")) {
            JsonNode id = event.get(field);
            if (id != null && !id.isNull() && !id.asText().isEmpty()) {
                return id.asText();
            }
        }
        return "";
    }
}
