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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The events that have no account yet ({@link ParkedEvents}) in a table of the state database, under
 * their messageId, userId and anonymousId: the embedded H2, or PostgreSQL shared by the instances of
 * cluster mode, where taking events out locks them, so that two instances never take the same one.
 */
public final class ParkedEventsTable implements ParkedEvents {

    private final DataSource dataSource;
    private final StateSql sql;
    private final Duration window;
    private final Clock clock;
    private final ObjectMapper json = JsonMapper.builder().build();

    public ParkedEventsTable(DataSource dataSource, Duration window, Clock clock) {
        this.dataSource = dataSource;
        this.window = window;
        this.clock = clock;
        this.sql = StateSql.of(dataSource);
        if (sql.createsTablesItself()) {
            createTable();
        }
    }

    private void createTable() {
        try (Connection connection = dataSource.getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS parked_event (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                    + " message_id VARCHAR(" + SeenMessageIds.MAX_ID_LENGTH + "), user_id VARCHAR(400), anonymous_id VARCHAR(400),"
                    + " event CLOB NOT NULL, parked_at BIGINT NOT NULL)");
            ddl.execute("CREATE UNIQUE INDEX IF NOT EXISTS parked_event_message ON parked_event (message_id)");
            ddl.execute("CREATE INDEX IF NOT EXISTS parked_event_user ON parked_event (user_id)");
            ddl.execute("CREATE INDEX IF NOT EXISTS parked_event_anonymous ON parked_event (anonymous_id)");
            ddl.execute("CREATE INDEX IF NOT EXISTS parked_event_time ON parked_event (parked_at)");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the parked event table: " + e.getMessage(), e);
        }
    }

    @Override
    public void park(JsonNode event) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(sql == StateSql.POSTGRESQL
                        ? StateSql.upsert("parked_event", "message_id", "user_id", "anonymous_id", "event", "parked_at")
                        : "MERGE INTO parked_event (message_id, user_id, anonymous_id, event, parked_at) KEY (message_id)"
                                + " VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, sql.text(SeenMessageIds.storedId(SegmentToTotango.messageIdOf(event))));
            insert.setString(2, sql.text(SegmentToTotango.text(event.get("userId"))));
            insert.setString(3, sql.text(SegmentToTotango.text(event.get("anonymousId"))));
            insert.setString(4, json.writeValueAsString(event));
            insert.setLong(5, clock.millis());
            insert.executeUpdate();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not park an event: " + e.getMessage(), e);
        }
    }

    @Override
    public List<JsonNode> release(JsonNode group, Releases releases) {
        String userId = SegmentToTotango.text(group.get("userId"));
        String anonymousId = SegmentToTotango.text(group.get("anonymousId"));
        if (userId == null && anonymousId == null) {
            return List.of();
        }
        // by userId, by anonymousId, or by either
        String where = userId == null ? "anonymous_id = ?" : anonymousId == null ? "user_id = ?" : "user_id = ? OR anonymous_id = ?";
        String query = "SELECT id, event FROM parked_event WHERE " + where + " ORDER BY id";
        Object[] parameters = userId == null ? new Object[] {sql.text(anonymousId)} : anonymousId == null
                ? new Object[] {sql.text(userId)} : new Object[] {sql.text(userId), sql.text(anonymousId)};
        if (releases == null) {
            return take(query + sql.forUpdate(), parameters);
        }
        Map<Long, JsonNode> parked = read(query, parameters);
        Set<Long> released = releases.release(parked.keySet());
        List<JsonNode> events = new ArrayList<>(released.size());
        released.forEach(id -> events.add(parked.get(id)));
        return events;
    }

    @Override
    public void forget(List<Long> ids) {
        if (ids == null || ids.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            delete(connection, ids);
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not take out released parked events: " + e.getMessage(), e);
        }
    }

    @Override
    public List<JsonNode> expired() {
        return take("SELECT id, event FROM parked_event WHERE parked_at < ? ORDER BY id" + sql.forUpdate(),
                clock.millis() - window.toMillis());
    }

    @Override
    public List<Parked> list(int offset, int limit) {
        List<Parked> events = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT parked_at, event FROM parked_event ORDER BY id LIMIT ? OFFSET ?")) {
            select.setInt(1, limit);
            select.setInt(2, offset);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    events.add(new Parked(rows.getLong(1), json.readTree(rows.getString(2))));
                }
            }
            return events;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not list parked events: " + e.getMessage(), e);
        }
    }

    @Override
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
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            Map<Long, JsonNode> parked = read(connection, query, parameters);
            delete(connection, parked.keySet());
            connection.commit();
            return new ArrayList<>(parked.values());
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not take parked events: " + e.getMessage(), e);
        }
    }

    private Map<Long, JsonNode> read(String query, Object... parameters) {
        try (Connection connection = dataSource.getConnection()) {
            return read(connection, query, parameters);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not read parked events: " + e.getMessage(), e);
        }
    }

    private Map<Long, JsonNode> read(Connection connection, String query, Object... parameters) throws SQLException, IOException {
        Map<Long, JsonNode> parked = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(query)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    parked.put(rows.getLong(1), json.readTree(rows.getString(2)));
                }
            }
        }
        return parked;
    }

    private static void delete(Connection connection, Collection<Long> ids) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM parked_event WHERE id = ?")) {
            for (Long id : ids) {
                delete.setLong(1, id);
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }
}
