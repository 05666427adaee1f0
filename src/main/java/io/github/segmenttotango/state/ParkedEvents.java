package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.github.segmenttotango.mapping.SegmentToTotango;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Events that have no account yet (spec §2): parked in the state database under their userId and
 * anonymousId. A group call for the user releases them, in the order they came, to be delivered
 * with that account; those still parked after {@code window} become dead letters ({@code no_account}).
 */
public final class ParkedEvents {

    private final DataSource dataSource;
    private final Duration window;
    private final Clock clock;
    private final ObjectMapper json = JsonMapper.builder().build();

    public ParkedEvents(DataSource dataSource, Duration window, Clock clock) {
        this.dataSource = dataSource;
        this.window = window;
        this.clock = clock;
        try (Connection connection = dataSource.getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS parked_event (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                    + " user_id VARCHAR(400), anonymous_id VARCHAR(400), event CLOB NOT NULL, parked_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS parked_event_user ON parked_event (user_id)");
            ddl.execute("CREATE INDEX IF NOT EXISTS parked_event_anonymous ON parked_event (anonymous_id)");
            ddl.execute("CREATE INDEX IF NOT EXISTS parked_event_time ON parked_event (parked_at)");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the parked event table: " + e.getMessage(), e);
        }
    }

    /** Parks an event that has no account yet. */
    public void park(JsonNode event) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO parked_event (user_id, anonymous_id, event, parked_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, SegmentToTotango.text(event.get("userId")));
            insert.setString(2, SegmentToTotango.text(event.get("anonymousId")));
            insert.setString(3, json.writeValueAsString(event));
            insert.setLong(4, clock.millis());
            insert.executeUpdate();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not park an event: " + e.getMessage(), e);
        }
    }

    /** Takes out the events parked for the user of a group call (by userId or anonymousId), oldest first. */
    public List<JsonNode> release(JsonNode group) {
        String userId = SegmentToTotango.text(group.get("userId"));
        String anonymousId = SegmentToTotango.text(group.get("anonymousId"));
        if (userId == null && anonymousId == null) {
            return List.of();
        }
        return take("SELECT id, event FROM parked_event WHERE user_id = ? OR anonymous_id = ? ORDER BY id",
                userId == null ? "\u0000" : userId, anonymousId == null ? "\u0000" : anonymousId);
    }

    /** Takes out the events parked longer than the window, oldest first: they become dead letters. */
    public List<JsonNode> expired() {
        return take("SELECT id, event FROM parked_event WHERE parked_at < ? ORDER BY id", clock.millis() - window.toMillis());
    }

    /** Every parked event, oldest first, without taking them out: for the operator. */
    public List<JsonNode> list(int offset, int limit) {
        List<JsonNode> events = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT event FROM parked_event ORDER BY id LIMIT ? OFFSET ?")) {
            select.setInt(1, limit);
            select.setInt(2, offset);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    events.add(json.readTree(rows.getString(1)));
                }
            }
            return events;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not list parked events: " + e.getMessage(), e);
        }
    }

    /** How many events are parked. */
    public long count() {
        try (Connection connection = dataSource.getConnection(); Statement select = connection.createStatement();
                ResultSet row = select.executeQuery("SELECT COUNT(*) FROM parked_event")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not count parked events: " + e.getMessage(), e);
        }
    }

    private List<JsonNode> take(String query, Object... parameters) {
        List<JsonNode> events = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(query)) {
                for (int i = 0; i < parameters.length; i++) {
                    select.setObject(i + 1, parameters[i]);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                        events.add(json.readTree(rows.getString(2)));
                    }
                }
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM parked_event WHERE id = ?")) {
                for (Long id : ids) {
                    delete.setLong(1, id);
                    delete.addBatch();
                }
                delete.executeBatch();
            }
            connection.commit();
            return events;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not take parked events: " + e.getMessage(), e);
        }
    }
}
