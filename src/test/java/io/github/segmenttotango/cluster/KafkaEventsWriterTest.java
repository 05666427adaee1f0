package io.github.segmenttotango.cluster;

import io.github.segmenttotango.ingest.AcceptedEvents;
import io.github.segmenttotango.ingest.IngestException;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events of a request as records of the events topic: one per user, keyed by the user, in order. */
class KafkaEventsWriterTest {

    private final AcceptedEvents messages = new AcceptedEvents(new ObjectMapper());

    @Test
    void aRequestIsOneRecordPerUserKeyedByUserIdElseAnonymousId() throws Exception {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        new KafkaEventsWriter(kafka, "events", messages).write("""
                [{"type":"track","userId":"u1","event":"A"},{"type":"track","anonymousId":"anon","event":"B"},
                 {"type":"track","userId":"u1","anonymousId":"anon","event":"C"},{"type":"track","userId":42,"event":"D"}]"""
                .getBytes(StandardCharsets.UTF_8));
        List<ProducerRecord<byte[], byte[]>> records = kafka.history();
        assertEquals(List.of("u1", "anon", "42"), records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList());
        String first = new String(records.get(0).value(), StandardCharsets.UTF_8);
        assertTrue(first.indexOf("\"A\"") < first.indexOf("\"C\"") && !first.contains("\"B\""), first);
        assertEquals("events", records.get(0).topic());
    }

    @Test
    void eventsKafkaDidNotAcknowledgeAreRefusedWith503() {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaEventsWriter writer = new KafkaEventsWriter(kafka, "events", messages);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                writer.write("[{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"A\"}]".getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (kafka.history().isEmpty()) {
            Thread.onSpinWait();
        }
        kafka.errorNext(new TimeoutException("Expiring 1 record(s)"));
        Throwable refused = assertThrows(Exception.class, write::join).getCause().getCause();
        IngestException answer = (IngestException) refused;
        assertEquals(503, answer.status());
        assertEquals("queue_unavailable", answer.code());
    }
}
