package io.github.segmenttotango.state;

import java.util.Locale;

/**
 * Whether the bundle runs as one of several instances: cluster mode is on when
 * {@code bridge.cluster.kafka-brokers} is set, and its state is then in PostgreSQL
 * ({@code bridge.state.jdbc-url} a {@code jdbc:postgresql:} URL). The single process keeps its state
 * in the embedded H2 (an empty URL, or a {@code jdbc:h2:} one). Any other pairing stops the start with
 * one line that says what to set; no message repeats the URL, which may carry a user or a host the
 * logs should not show.
 */
public record ClusterMode(boolean on) {

    private static final String BROKERS = "bridge.cluster.kafka-brokers (BRIDGE_CLUSTER_KAFKA_BROKERS)";
    private static final String URL = "bridge.state.jdbc-url (BRIDGE_STATE_JDBC_URL)";

    /** The mode the two settings give; a pairing that cannot work is an IllegalArgumentException with one line. */
    public static ClusterMode of(String kafkaBrokers, String jdbcUrl) {
        boolean brokers = kafkaBrokers != null && !kafkaBrokers.isBlank();
        String url = jdbcUrl == null ? "" : jdbcUrl.strip().toLowerCase(Locale.ROOT);
        boolean postgres = StateDatabaseUrl.isPostgres(url);
        if (!url.isEmpty() && !postgres && !url.startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException(URL + " must be empty (the embedded H2), a jdbc:h2: URL, or a jdbc:postgresql:// URL"
                    + " in cluster mode");
        }
        if (postgres && (url.contains("password=") || url.matches("jdbc:postgresql://[^/?]*:[^/?]*@.*"))) {
            throw new IllegalArgumentException(URL + " must not carry the password: set it in bridge.state.jdbc-password"
                    + " (BRIDGE_STATE_JDBC_PASSWORD), which is never logged");
        }
        if (brokers && !postgres) {
            throw new IllegalArgumentException(BROKERS + " is set, so the bundle runs in cluster mode, whose state is shared in"
                    + " PostgreSQL: set " + URL + " to a jdbc:postgresql:// URL too");
        }
        if (postgres && !brokers) {
            throw new IllegalArgumentException(URL + " is a PostgreSQL URL, which only cluster mode uses: set " + BROKERS
                    + " too, or leave the URL empty for the single process's embedded H2");
        }
        return new ClusterMode(brokers);
    }
}
