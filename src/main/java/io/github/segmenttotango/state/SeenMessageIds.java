package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.mapping.SegmentToTotango;

import javax.sql.DataSource;
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

/**
 * The Segment messageIds taken within the dedup window, so that a client sending a batch again
 * (after a timeout, say) gets it acknowledged without its events going to Totango twice.
 *
 * <p>Works a request (or a chunk of a file) at a time: one query finds the ids already seen, and the
 * new ones are remembered only once their calls are on the delivery queue, so a request that failed
 * can be sent again and is not taken for a duplicate. Kept in the state database, so it survives a
 * restart.
 */
public final class SeenMessageIds {

    /** Ids longer than this are kept as their SHA-256. */
    static final int MAX_ID_LENGTH = 200;
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
            ddl.execute("CREATE TABLE IF NOT EXISTS seen_message_id (message_id VARCHAR(" + MAX_ID_LENGTH + ") PRIMARY KEY,"
                    + " seen_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS seen_message_id_time ON seen_message_id (seen_at)");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the dedup table: " + e.getMessage(), e);
        }
    }

    /**
     * The events whose messageId was not seen within the window, in order; an id repeated within
     * {@code events} counts once (its first event).
     */
    public List<ObjectNode> unseen(List<ObjectNode> events) {
        List<String> keys = new ArrayList<>(events.size());
        Set<String> distinct = new LinkedHashSet<>();
        for (ObjectNode event : events) {
            String key = storedId(SegmentToTotango.messageIdOf(event));
            keys.add(key);
            if (key != null) {
                distinct.add(key);
            }
        }
        if (distinct.isEmpty()) {
            return events;
        }
        Set<String> seen = seen(new ArrayList<>(distinct));
        List<ObjectNode> unseen = new ArrayList<>(events.size());
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String key = keys.get(i);
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
                    "MERGE INTO seen_message_id (message_id, seen_at) KEY (message_id) VALUES (?, ?)")) {
                for (ObjectNode event : events) {
                    String key = storedId(SegmentToTotango.messageIdOf(event));
                    if (key != null) {
                        merge.setString(1, key);
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
                PreparedStatement delete = connection.prepareStatement("DELETE FROM seen_message_id WHERE seen_at < ?")) {
            delete.setLong(1, clock.millis() - window.toMillis());
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not expire message ids: " + e.getMessage(), e);
        }
    }

    private Set<String> seen(List<String> keys) {
        Set<String> seen = new HashSet<>();
        long since = clock.millis() - window.toMillis();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT message_id FROM seen_message_id WHERE message_id = ANY(?) AND seen_at >= ?")) {
            for (int from = 0; from < keys.size(); from += CHUNK) {
                select.setObject(1, keys.subList(from, Math.min(keys.size(), from + CHUNK)).toArray(new String[0]));
                select.setLong(2, since);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        seen.add(rows.getString(1));
                    }
                }
            }
            return seen;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the message ids seen: " + e.getMessage(), e);
        }
    }

    /**
     * A messageId as the state tables keep it (here and in the parking): itself, or its SHA-256 when
     * longer than {@link #MAX_ID_LENGTH}; null for none.
     */
    static String storedId(String messageId) {
        if (messageId == null || messageId.length() <= MAX_ID_LENGTH) {
            return messageId;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(messageId.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
