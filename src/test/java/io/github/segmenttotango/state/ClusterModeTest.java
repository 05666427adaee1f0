package io.github.segmenttotango.state;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cluster mode is on with Kafka brokers, and then only with PostgreSQL; one line says what is missing. */
class ClusterModeTest {

    @Test
    void theSingleProcessIsTheDefaultOnH2() {
        assertFalse(ClusterMode.of("", "").on());
        assertFalse(ClusterMode.of(null, null).on());
        assertFalse(ClusterMode.of(" ", "jdbc:h2:file:/srv/state").on());
    }

    @Test
    void brokersAndPostgresMakeACluster() {
        assertTrue(ClusterMode.of("kafka-1:9092,kafka-2:9092", " jdbc:postgresql://db:5432/bridge?sslmode=require").on());
    }

    @Test
    void brokersWithoutPostgresStopTheStartSayingWhatToSet() {
        assertEquals("bridge.cluster.kafka-brokers (BRIDGE_CLUSTER_KAFKA_BROKERS) is set, so the bundle runs in cluster mode, whose"
                + " state is shared in PostgreSQL: set bridge.state.jdbc-url (BRIDGE_STATE_JDBC_URL) to a jdbc:postgresql:// URL too",
                refusal("kafka:9092", ""));
        assertTrue(refusal("kafka:9092", "jdbc:h2:file:/srv/state").startsWith("bridge.cluster.kafka-brokers"));
    }

    @Test
    void postgresWithoutBrokersStopsTheStartToo() {
        assertEquals("bridge.state.jdbc-url (BRIDGE_STATE_JDBC_URL) is a PostgreSQL URL, which only cluster mode uses: set"
                + " bridge.cluster.kafka-brokers (BRIDGE_CLUSTER_KAFKA_BROKERS) too, or leave the URL empty for the single"
                + " process's embedded H2", refusal("", "jdbc:postgresql://db/bridge"));
    }

    @Test
    void aUrlOfAnotherDatabaseOrCarryingAPasswordIsRefusedWithoutRepeatingIt() {
        String other = refusal("", "jdbc:mysql://db/secret-host");
        assertTrue(other.startsWith("bridge.state.jdbc-url (BRIDGE_STATE_JDBC_URL) must be empty"), other);
        assertFalse(other.contains("secret-host"), other);
        for (String url : new String[] {"jdbc:postgresql://db/bridge?user=u&password=hunter2",
                "jdbc:postgresql://u:hunter2@db/bridge"}) {
            String refused = refusal("kafka:9092", url);
            assertEquals("bridge.state.jdbc-url (BRIDGE_STATE_JDBC_URL) must not carry the password: set it in"
                    + " bridge.state.jdbc-password (BRIDGE_STATE_JDBC_PASSWORD), which is never logged", refused);
        }
    }

    @Test
    void logsShowTheDatabaseWithoutParametersOrUser() {
        assertEquals("jdbc:postgresql://db:5432/bridge", StateDatabaseUrl.describe("jdbc:postgresql://db:5432/bridge?sslmode=require&user=u"));
        assertEquals("jdbc:postgresql://db/bridge", StateDatabaseUrl.describe("jdbc:postgresql://u@db/bridge"));
    }

    private static String refusal(String brokers, String url) {
        return assertThrows(IllegalArgumentException.class, () -> ClusterMode.of(brokers, url)).getMessage();
    }
}
