package io.github.segmenttotango.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.delivery.CallsByUser;
import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Queues the Totango calls of a batch of events on the calls topic in one Kafka transaction with the
 * events' consumed offsets: the events are taken off the events topic and their calls queued together,
 * or neither (the calls consumer reads committed records only). The calls go as the delivery queue's
 * messages do ({@link CallsByUser}: one user's calls, at most 100, as a JSON array), keyed by the
 * user, so that a user's calls stay in one partition, in order.
 *
 * <p>A transaction that fails is aborted; a producer that cannot go on (fenced by a newer one after a
 * rebalance, or in an unknown state) is closed and a new one made for the next batch.
 */
public final class KafkaCallsWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCallsWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<Producer<byte[], byte[]>> producers;
    private final String topic;
    private Producer<byte[], byte[]> producer;

    /** @param producers makes a transactional producer (each with a transactional.id of its own) */
    public KafkaCallsWriter(Supplier<Producer<byte[], byte[]>> producers, String topic) {
        this.producers = producers;
        this.topic = topic;
    }

    /** Sends the calls and commits the offsets of the events they came from, in one transaction. */
    public void queue(List<TotangoCall> calls, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group)
            throws Exception {
        Producer<byte[], byte[]> current = producer();
        try {
            current.beginTransaction();
            for (List<TotangoCall> message : CallsByUser.split(calls)) {
                for (ProducerRecord<byte[], byte[]> record : records(topic, message)) {
                    current.send(record);
                }
            }
            current.sendOffsetsToTransaction(offsets, group);
            current.commitTransaction();
        } catch (Exception failed) {
            try {
                current.abortTransaction();
            } catch (RuntimeException cannotAbort) {
                LOG.debug("The calls' producer cannot abort its transaction, a new one is made: {}", cannotAbort.getMessage());
                close();
            }
            throw failed;
        }
    }

    /**
     * The records of the calls topic for a delivery message (calls of one user): a JSON array keyed by
     * the user, halved until each is at most {@link KafkaEventsWriter#MAX_RECORD_BYTES}, in order.
     */
    static List<ProducerRecord<byte[], byte[]>> records(String topic, List<TotangoCall> message) throws Exception {
        byte[] value = JSON.writeValueAsBytes(message);
        if (value.length <= KafkaEventsWriter.MAX_RECORD_BYTES || message.size() == 1) {
            return List.of(new ProducerRecord<>(topic, CallsByUser.orderKeyOf(message).getBytes(StandardCharsets.UTF_8), value));
        }
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(records(topic, message.subList(0, message.size() / 2)));
        records.addAll(records(topic, message.subList(message.size() / 2, message.size())));
        return records;
    }

    private Producer<byte[], byte[]> producer() {
        if (producer == null) {
            Producer<byte[], byte[]> made = producers.get();
            try {
                made.initTransactions();
            } catch (RuntimeException e) {
                made.close();
                throw e;
            }
            producer = made;
        }
        return producer;
    }

    @Override
    public void close() {
        if (producer != null) {
            try {
                producer.close(java.time.Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debug("Closing the calls' producer: {}", e.getMessage());
            }
            producer = null;
        }
    }
}
