package io.github.segmenttotango.cluster;

import io.github.segmenttotango.delivery.CallsByUser;
import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/**
 * Cluster mode's {@code clusterCalls}: queues calls that come from no events record (a dead letter
 * replayed through the admin API) on the calls topic, outside a transaction, and returns once Kafka
 * acknowledged them ({@code acks=all}); the admin API deletes the dead letter only then.
 */
public final class KafkaCallsSender {

    private final Producer<byte[], byte[]> producer;
    private final String topic;

    public KafkaCallsSender(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    public void send(List<TotangoCall> calls) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (List<TotangoCall> message : CallsByUser.split(calls)) {
            for (var record : KafkaCallsWriter.records(topic, message)) {
                sends.add(producer.send(record));
            }
        }
        for (Future<RecordMetadata> send : sends) {
            send.get();
        }
    }
}
