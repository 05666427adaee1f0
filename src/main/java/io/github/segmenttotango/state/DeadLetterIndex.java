package io.github.segmenttotango.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * The index of the dead-letter files in the state database (id, kind, reason, size, time): what lets
 * the admin API list, filter and page them without reading more files than its page.
 */
final class DeadLetterIndex {

    private final DataSource dataSource;

    DeadLetterIndex(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void create() {
        run(sql -> {
            try (Statement ddl = sql.createStatement()) {
                ddl.execute("CREATE TABLE IF NOT EXISTS dead_letter_index (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(8),"
                        + " reason VARCHAR(64) NOT NULL, bytes BIGINT NOT NULL, kept_at BIGINT NOT NULL)");
                ddl.execute("CREATE INDEX IF NOT EXISTS dead_letter_by_reason ON dead_letter_index (reason, id)");
            }
            return null;
        });
    }

    boolean contains(String id) {
        return run(sql -> {
            try (PreparedStatement select = sql.prepareStatement("SELECT 1 FROM dead_letter_index WHERE id = ?")) {
                select.setString(1, id);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    void put(DeadLetter letter, long size, long keptAt) {
        run(sql -> {
            try (PreparedStatement insert = sql.prepareStatement(
                    "MERGE INTO dead_letter_index (id, kind, reason, bytes, kept_at) KEY (id) VALUES (?, ?, ?, ?, ?)")) {
                insert.setString(1, letter.id());
                insert.setString(2, letter.kind());
                insert.setString(3, letter.reason() == null ? "" : letter.reason());
                insert.setLong(4, size);
                insert.setLong(5, keptAt);
                insert.executeUpdate();
            }
            return null;
        });
    }

    /** Takes a letter out of the index; returns its size, null when it was not there. */
    Long remove(String id) {
        return run(sql -> {
            try (PreparedStatement select = sql.prepareStatement("SELECT bytes FROM dead_letter_index WHERE id = ?");
                    PreparedStatement delete = sql.prepareStatement("DELETE FROM dead_letter_index WHERE id = ?")) {
                select.setString(1, id);
                Long found = null;
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next()) {
                        found = rows.getLong(1);
                    }
                }
                delete.setString(1, id);
                delete.executeUpdate();
                return found;
            }
        });
    }

    /** Which letters a listing takes: a reason and a time span (epoch millis, since inclusive, until exclusive), each optional. */
    record Filter(String reason, Long since, Long until) {

        String where() {
            List<String> terms = new ArrayList<>();
            if (reason != null) {
                terms.add("reason = ?");
            }
            if (since != null) {
                terms.add("kept_at >= ?");
            }
            if (until != null) {
                terms.add("kept_at < ?");
            }
            return terms.isEmpty() ? "" : " WHERE " + String.join(" AND ", terms);
        }

        /** Sets the parameters of {@link #where}; returns the index of the next one. */
        int bind(PreparedStatement statement) throws SQLException {
            int at = 1;
            if (reason != null) {
                statement.setString(at++, reason);
            }
            if (since != null) {
                statement.setLong(at++, since);
            }
            if (until != null) {
                statement.setLong(at++, until);
            }
            return at;
        }
    }

    /** How many letters the filter takes. */
    long count(Filter filter) {
        return run(sql -> {
            try (PreparedStatement count = sql.prepareStatement("SELECT COUNT(*) FROM dead_letter_index" + filter.where())) {
                filter.bind(count);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    /** The ids the filter takes, oldest first: a page of them. */
    List<String> ids(Filter filter, long offset, int limit) {
        return run(sql -> {
            try (PreparedStatement select = sql.prepareStatement("SELECT id FROM dead_letter_index" + filter.where()
                    + " ORDER BY id LIMIT ? OFFSET ?")) {
                int at = filter.bind(select);
                select.setInt(at++, limit);
                select.setLong(at, offset);
                return idsOf(select);
            }
        });
    }

    /** The ids of the letters kept before a time (epoch milliseconds), oldest first, at most {@code limit}. */
    List<String> keptBefore(long millis, int limit) {
        return run(sql -> {
            try (PreparedStatement select = sql.prepareStatement(
                    "SELECT id FROM dead_letter_index WHERE kept_at < ? ORDER BY id LIMIT ?")) {
                select.setLong(1, millis);
                select.setInt(2, limit);
                return idsOf(select);
            }
        });
    }

    /** The bytes of the letters in the index. */
    long bytes() {
        return run(sql -> {
            try (Statement sum = sql.createStatement();
                    ResultSet total = sum.executeQuery("SELECT COALESCE(SUM(bytes), 0) FROM dead_letter_index")) {
                total.next();
                return total.getLong(1);
            }
        });
    }

    private static List<String> idsOf(PreparedStatement select) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    private interface Sql<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T run(Sql<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("The dead-letter index in the state database failed: " + e.getMessage(), e);
        }
    }
}
