package io.github.segmenttotango.state;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** The table of the ids as text, before the keys; its rows move to the keys at start. */
    private static final String TEXT_TABLE = "SEEN_MESSAGE_ID";
    /** The table of the keys. */
    private static final String KEY_TABLE = "SEEN_MESSAGE_KEY";
    /** Rows moved from the text table per commit. */
    private static final int MOVE_CHUNK = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(SeenMessageIdsTable.class);
    /** Ids per query (H2 takes many more; this keeps each statement small). */
    private static final int CHUNK = 500;
    /** Remembers a key with the time it was seen; a key seen before takes the new time. */
    private static final String MERGE = "MERGE INTO seen_message_key (message_key, seen_at) KEY (message_key) VALUES (?, ?)";

    private final DataSource dataSource;

    public SeenMessageIdsTable(DataSource dataSource, Duration window, Clock clock) {
        super(window, clock);
        this.dataSource = dataSource;
        try (Connection connection = dataSource.getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS seen_message_key (message_key UUID PRIMARY KEY, seen_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS seen_message_key_time ON seen_message_key (seen_at)");
            moveTextIdsToKeys(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the dedup table: " + e.getMessage(), e);
        }
    }

    /** Whether the state database holds ids seen by an earlier version, or by this store. */
    public static boolean existsIn(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            return tableExists(connection, KEY_TABLE) || tableExists(connection, TEXT_TABLE);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not look for the dedup table: " + e.getMessage(), e);
        }
    }

    private static boolean tableExists(Connection connection, String name) throws SQLException {
        try (ResultSet table = connection.getMetaData().getTables(null, null, name, null)) {
            return table.next();
        }
    }

    /**
     * The ids a version before the keys remembered (as text, in {@code seen_message_id}) move to the
     * keys, with the time they were seen; then that table goes. A start cut short moves them again.
     */
    private void moveTextIdsToKeys(Connection connection) throws SQLException {
        if (!tableExists(connection, TEXT_TABLE)) {
            return;
        }
        long moved = 0;
        try (Connection writing = dataSource.getConnection(); Statement read = connection.createStatement();
                ResultSet rows = read.executeQuery("SELECT message_id, seen_at FROM " + TEXT_TABLE);
                PreparedStatement merge = writing.prepareStatement(MERGE)) {
            writing.setAutoCommit(false);
            while (rows.next()) {
                merge.setObject(1, keyOfStoredId(rows.getString(1)));
                merge.setLong(2, rows.getLong(2));
                merge.addBatch();
                if (++moved % MOVE_CHUNK == 0) {
                    merge.executeBatch();
                    writing.commit();
                }
            }
            merge.executeBatch();
            writing.commit();
        }
        try (Statement drop = connection.createStatement()) {
            drop.execute("DROP TABLE " + TEXT_TABLE);
        }
        LOG.info("Dedup: {} messageIds seen within the window moved to the compact table", moved);
    }

    /** What each key the table remembers within the window, with the time it was seen. */
    interface Row {
        void accept(UUID key, long seenAt);
    }

    /** Hands each key seen within the window, with its time, to {@code row}; returns how many. */
    long forEachWithinWindow(Row row) {
        long count = 0;
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT message_key, seen_at FROM seen_message_key WHERE seen_at >= ?")) {
            select.setLong(1, windowStart());
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    row.accept(rows.getObject(1, UUID.class), rows.getLong(2));
                    count++;
                }
            }
            return count;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the message ids seen: " + e.getMessage(), e);
        }
    }

    /** Drops the table, once its rows are elsewhere. */
    void drop() {
        try (Connection connection = dataSource.getConnection(); Statement drop = connection.createStatement()) {
            drop.execute("DROP TABLE IF EXISTS seen_message_key");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not drop the dedup table: " + e.getMessage(), e);
        }
    }

    @Override
    protected void rememberAt(List<UUID> keys, long seenAt) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement merge = connection.prepareStatement(MERGE)) {
                for (UUID key : keys) {
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
                select.setObject(1, keys.subList(from, Math.min(keys.size(), from + CHUNK)).toArray(new UUID[0]));
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
