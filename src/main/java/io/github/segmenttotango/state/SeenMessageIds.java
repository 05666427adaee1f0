package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.mapping.SegmentToTotango;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The Segment messageIds taken within the dedup window, so that a client sending a batch again
 * (after a timeout, say) gets it acknowledged without its events going to Totango twice.
 *
 * <p>Works a request (or a chunk of a file) at a time: one query finds the ids already seen, and the
 * new ones are remembered only once their calls are on the delivery queue, so a request that failed
 * can be sent again and is not taken for a duplicate. Kept in the state database, so it survives a
 * restart.
 *
 * <p>A messageId is kept as a 128-bit key, the first half of its SHA-256 ({@link #keyOf}): clients
 * send random ids (UUIDs), which land all over the table's B-tree, and a key of 16 bytes instead of
 * the text (36 characters and more) keeps that tree less than half as large, so more of it stays in
 * the cache (measured: README, "Dedup with random messageIds"). Two ids sharing a key would make
 * the second look seen; among a billion ids that happens with a probability of about 10^-21.
 */
public final class SeenMessageIds {

    /** Ids longer than this are kept (in the parking) as their SHA-256, in hex after this prefix. */
    static final int MAX_ID_LENGTH = 200;
    private static final String HASHED = "sha256:";
    /** The table of the ids as text, before the keys; its rows move to the keys at start. */
    private static final String TEXT_TABLE = "SEEN_MESSAGE_ID";
    /** Rows moved from the text table per commit. */
    private static final int MOVE_CHUNK = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(SeenMessageIds.class);
    /** Ids per query (H2 takes many more; this keeps each statement small). */
    private static final int CHUNK = 500;

    private final DataSource dataSource;
    private final Duration window;
    private final Clock clock;

    public SeenMessageIds(DataSource dataSource, Duration window, Clock clock) {
        this.dataSource = dataSource;
        this.window = window;
        this.clock = clock;
        try (Connection connection = dataSource.getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS seen_message_key (message_key UUID PRIMARY KEY, seen_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS seen_message_key_time ON seen_message_key (seen_at)");
            moveTextIdsToKeys(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the dedup table: " + e.getMessage(), e);
        }
    }

    /**
     * The ids a version before the keys remembered (as text, in {@code seen_message_id}) move to the
     * keys, with the time they were seen; then that table goes. A start cut short moves them again.
     */
    private void moveTextIdsToKeys(Connection connection) throws SQLException {
        try (ResultSet table = connection.getMetaData().getTables(null, null, TEXT_TABLE, null)) {
            if (!table.next()) {
                return;
            }
        }
        long moved = 0;
        try (Connection writing = dataSource.getConnection(); Statement read = connection.createStatement();
                ResultSet rows = read.executeQuery("SELECT message_id, seen_at FROM " + TEXT_TABLE);
                PreparedStatement merge = writing.prepareStatement(
                        "MERGE INTO seen_message_key (message_key, seen_at) KEY (message_key) VALUES (?, ?)")) {
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

    /**
     * The events whose messageId was not seen within the window, in order; an id repeated within
     * {@code events} counts once (its first event).
     */
    public List<ObjectNode> unseen(List<ObjectNode> events) {
        List<UUID> keys = new ArrayList<>(events.size());
        Set<UUID> distinct = new LinkedHashSet<>();
        for (ObjectNode event : events) {
            UUID key = keyOf(SegmentToTotango.messageIdOf(event));
            keys.add(key);
            if (key != null) {
                distinct.add(key);
            }
        }
        if (distinct.isEmpty()) {
            return events;
        }
        Set<UUID> seen = seen(new ArrayList<>(distinct));
        List<ObjectNode> unseen = new ArrayList<>(events.size());
        Set<UUID> taken = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            UUID key = keys.get(i);
            if (key == null || (!seen.contains(key) && taken.add(key))) {
                unseen.add(events.get(i));
            }
        }
        return unseen;
    }

    /** Remembers the messageIds of events whose calls are now safely queued. */
    public void remember(List<ObjectNode> events) {
        if (events == null || events.isEmpty()) {
            return;
        }
        long now = clock.millis();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement merge = connection.prepareStatement(
                    "MERGE INTO seen_message_key (message_key, seen_at) KEY (message_key) VALUES (?, ?)")) {
                for (ObjectNode event : events) {
                    UUID key = keyOf(SegmentToTotango.messageIdOf(event));
                    if (key != null) {
                        merge.setObject(1, key);
                        merge.setLong(2, now);
                        merge.addBatch();
                    }
                }
                merge.executeBatch();
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not remember message ids: " + e.getMessage(), e);
        }
    }

    /** Forgets the ids seen before the window; returns how many went. */
    public int expire() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement("DELETE FROM seen_message_key WHERE seen_at < ?")) {
            delete.setLong(1, clock.millis() - window.toMillis());
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not expire message ids: " + e.getMessage(), e);
        }
    }

    private Set<UUID> seen(List<UUID> keys) {
        Set<UUID> seen = new HashSet<>();
        long since = clock.millis() - window.toMillis();
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

    /** The key a messageId is kept under: the first 128 bits of its SHA-256 (UTF-8); null for none. */
    public static UUID keyOf(String messageId) {
        return messageId == null ? null : key(sha256(messageId));
    }

    /** The key of an id as the text table kept it: itself, or its SHA-256 already ("sha256:" and hex). */
    static UUID keyOfStoredId(String storedId) {
        if (storedId.startsWith(HASHED) && storedId.length() == HASHED.length() + 64) {
            return key(HexFormat.of().parseHex(storedId.substring(HASHED.length())));
        }
        return keyOf(storedId);
    }

    private static UUID key(byte[] digest) {
        ByteBuffer bytes = ByteBuffer.wrap(digest);
        return new UUID(bytes.getLong(), bytes.getLong());
    }

    /**
     * A messageId as the parking keeps it: itself, or its SHA-256 when
     * longer than {@link #MAX_ID_LENGTH}; null for none.
     */
    static String storedId(String messageId) {
        if (messageId == null || messageId.length() <= MAX_ID_LENGTH) {
            return messageId;
        }
        return HASHED + HexFormat.of().formatHex(sha256(messageId));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
