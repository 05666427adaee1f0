package io.github.segmenttotango;

import io.github.segmenttotango.support.BundleProcess;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start of cluster mode as a process: Kafka brokers without PostgreSQL, or the reverse, stop it
 * with one line; the PostgreSQL password never reaches the output, even when the database cannot be
 * reached.
 */
@Tag("process")
@Tag("cluster")
class ClusterModeProcessTest {

    @Test
    void brokersWithoutPostgresOrPostgresWithoutBrokersStopTheStartWithOneLine(@TempDir Path data) throws Exception {
        String withoutPostgres = failedStart(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_DATA_DIR", data.toString(),
                "BRIDGE_CLUSTER_KAFKA_BROKERS", "127.0.0.1:9"));
        assertTrue(withoutPostgres.contains("segment-totango cannot start: bridge.cluster.kafka-brokers (BRIDGE_CLUSTER_KAFKA_BROKERS)"
                + " is set, so the bundle runs in cluster mode, whose state is shared in PostgreSQL: set bridge.state.jdbc-url"
                + " (BRIDGE_STATE_JDBC_URL) to a jdbc:postgresql:// URL too\n"), withoutPostgres);

        String withoutBrokers = failedStart(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_DATA_DIR", data.toString(),
                "BRIDGE_STATE_JDBC_URL", "jdbc:postgresql://127.0.0.1:9/state", "BRIDGE_STATE_JDBC_PASSWORD", "pw-never-shown"));
        assertTrue(withoutBrokers.contains("segment-totango cannot start: bridge.state.jdbc-url (BRIDGE_STATE_JDBC_URL) is a PostgreSQL"
                + " URL, which only cluster mode uses: set bridge.cluster.kafka-brokers (BRIDGE_CLUSTER_KAFKA_BROKERS) too"), withoutBrokers);
        assertEquals(1, withoutBrokers.lines().filter(line -> line.contains("cannot start")).count(), withoutBrokers);
        assertFalse(withoutBrokers.contains("pw-never-shown"), withoutBrokers);
    }

    @Test
    void thePasswordIsNeverInTheOutputWhenTheStartFails(@TempDir Path data) throws Exception {
        String output = failedStart(Map.of("TOTANGO_SERVICE_ID", "S", "BRIDGE_DATA_DIR", data.toString(),
                "BRIDGE_CLUSTER_KAFKA_BROKERS", "127.0.0.1:9", "BRIDGE_STATE_JDBC_URL", "jdbc:postgresql://127.0.0.1:"
                        + BundleProcess.freePort() + "/state", "BRIDGE_STATE_JDBC_USER", "bridge",
                "BRIDGE_STATE_JDBC_PASSWORD", "pw-never-shown"));
        assertTrue(output.contains("segment-totango cannot start: "), output);
        assertFalse(output.contains("pw-never-shown"), output);
    }

    private static String failedStart(Map<String, String> env) throws Exception {
        try (BundleProcess bundle = BundleProcess.launch(new HashMap<>(env))) {
            assertTrue(bundle.process().waitFor(60, TimeUnit.SECONDS), "the bundle should have stopped");
            assertNotEquals(0, bundle.process().exitValue());
            return bundle.log();
        }
    }
}
