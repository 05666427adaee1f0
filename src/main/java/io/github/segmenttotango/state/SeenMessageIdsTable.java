package io.github.segmenttotango.state;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The messageIds seen within the dedup window in a table of the state database
 * ({@code segment.dedup-store=state-database}): one query finds the ids of a batch already seen, one
 * batch of statements remembers the new ones.
 *
 * <p>Random ids land all over the table's B-tree, and H2 writes every page a commit touched anew:
 * past a million rows, a batch of 5,000 ids rewrites most of the table (measured: bench/README.md,
 * 2026-11-28, and "Dedup with random messageIds"). The RocksDB store ({@link SeenMessageIdsRocksDb}) is the default for that reason.
 */
public final class SeenMessageIdsTable extends SeenMessageIds {

    /** Ids per query (H2 takes many more; this keeps each statement small). */
    private static final int CHUNK = 500;
    /** Remembers a key with the time it was seen; a key seen before takes the new time. */
    private static final String MERGE = "MERGE INTO seen_message_key (message_key, seen_at) KEY (message_key) VALUES (?, ?)";

    private final DataSource dataSource;
    private final StateSql sql;
    private final String upsert;

    /** On the embedded H2 (which gets the table if need be) or PostgreSQL (shared by the instances of cluster mode). */
    public SeenMessageIdsTable(DataSource dataSource, Duration window, Clock clock) {
        super(window, clock);
        this.dataSource = dataSource;
        this.sql = StateSql.of(dataSource);
        this.upsert = sql == StateSql.H2 ? MERGE : StateSql.upsert("seen_message_key", "message_key", "seen_at");
        if (!sql.createsTablesItself()) {
            return;
        }
        try (Connection connection = dataSource.getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS seen_message_key (message_key UUID PRIMARY KEY, seen_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS seen_message_key_time ON seen_message_key (seen_at)");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the dedup table: " + e.getMessage(), e);
        }
    }

    /**
     * Remembers the keys in one transaction, in key order: two instances remembering overlapping
     * batches then lock their rows in the same order and cannot deadlock.
     */
    @Override
    protected void rememberAt(List<UUID> keys, long seenAt) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement merge = connection.prepareStatement(upsert)) {
                for (UUID key : new TreeSet<>(keys)) {
                    merge.setObject(1, key);
                    merge.setLong(2, seenAt);
                    merge.addBatch();
                }
                merge.executeBatch();
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not remember message ids: " + e.getMessage(), e);
        }
    }

    @Override
    public int expire() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement("DELETE FROM seen_message_key WHERE seen_at < ?")) {
            delete.setLong(1, windowStart());
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not expire message ids: " + e.getMessage(), e);
        }
    }

    @Override
    protected Set<UUID> seenSince(List<UUID> keys, long since) {
        Set<UUID> seen = new HashSet<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT message_key FROM seen_message_key WHERE message_key = ANY(?) AND seen_at >= ?")) {
            for (int from = 0; from < keys.size(); from += CHUNK) {
                sql.setKeys(connection, select, 1, keys.subList(from, Math.min(keys.size(), from + CHUNK)));
                select.setLong(2, since);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        seen.add(rows.getObject(1, UUID.class));
                    }
                }
            }
            return seen;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the message ids seen: " + e.getMessage(), e);
        }
    }
}
