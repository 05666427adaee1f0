package io.github.segmenttotango.cluster;

import io.github.segmenttotango.mapping.TotangoCall;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A delivery message of calls as records of the calls topic: keyed by the user, within Kafka's record size, in order. */
class KafkaCallsWriterTest {

    @Test
    void largeCallsOfOneUserGoInSeveralRecordsInOrder() throws Exception {
        List<TotangoCall> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(new TotangoCall("m" + i, "big-user", Map.of("sdr_o", "acc", "sdr_a", "A" + i, "sdr_u.bio", "y".repeat(30_000))));
        }
        List<ProducerRecord<byte[], byte[]>> records = KafkaCallsWriter.records("calls", calls);
        assertTrue(records.size() > 1);
        List<String> order = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> record : records) {
            assertEquals("big-user", new String(record.key(), StandardCharsets.UTF_8));
            assertTrue(record.value().length <= KafkaEventsWriter.MAX_RECORD_BYTES);
            new ObjectMapper().readTree(record.value()).forEach(call -> order.add(call.path("params").path("sdr_a").asText()));
        }
        assertEquals(java.util.stream.IntStream.range(0, 100).mapToObj(i -> "A" + i).toList(), order);
    }
}
