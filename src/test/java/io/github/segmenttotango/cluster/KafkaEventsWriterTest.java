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
    void aUsersEventsLargerThanARecordGoInSeveralRecordsInOrder() throws Exception {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        StringBuilder chunk = new StringBuilder("[");
        String padding = "x".repeat(30_000);
        for (int i = 0; i < 100; i++) {
            chunk.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"big\",\"event\":\"E").append(i)
                    .append("\",\"properties\":{\"p\":\"").append(padding).append("\"}}");
        }
        new KafkaEventsWriter(kafka, "events", messages).write(chunk.append(']').toString().getBytes(StandardCharsets.UTF_8));
        List<ProducerRecord<byte[], byte[]>> records = kafka.history();
        assertTrue(records.size() > 1, "3 MB of one user's events in several records");
        records.forEach(record -> assertTrue(record.value().length <= KafkaEventsWriter.MAX_RECORD_BYTES));
        List<String> order = records.stream().flatMap(record -> messages.fromMessage(record.value()).stream())
                .map(event -> event.path("event").asText()).toList();
        assertEquals(java.util.stream.IntStream.range(0, 100).mapToObj(i -> "E" + i).toList(), order);
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
