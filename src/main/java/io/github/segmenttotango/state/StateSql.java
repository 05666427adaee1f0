package io.github.segmenttotango.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

/**
 * Where the SQL of the state tables differs between the embedded H2 and PostgreSQL; the rest of it is
 * the same text on both. An upsert is H2's {@code MERGE} (as the single process has always run it) or
 * PostgreSQL's {@code INSERT ... ON CONFLICT}, which, unlike a {@code MERGE}, stays an update when
 * another instance inserts the same key at the same moment. PostgreSQL's tables come from its
 * migration scripts ({@link StateSchema}); H2's from the tables' classes.
 */
enum StateSql {

    H2,
    POSTGRESQL;

    /** The kind of database behind a data source. */
    static StateSql of(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            return connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres")
                    ? POSTGRESQL : H2;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not reach the state database: " + e.getMessage(), e);
        }
    }

    /** Whether this database makes its own tables (H2), rather than taking them from the migration scripts. */
    boolean createsTablesItself() {
        return this == H2;
    }

    /**
     * A query that takes rows out (reads, then deletes them) locks what it read on PostgreSQL, so that
     * two instances taking at once take each row once; H2's single process needs no lock.
     */
    String forUpdate() {
        return this == POSTGRESQL ? " FOR UPDATE" : "";
    }

    /**
     * Text for a column: PostgreSQL's text cannot hold the NUL character, which a Segment id may, so
     * it becomes U+FFFD there (an id that differs from another only there would share its row).
     */
    String text(String value) {
        return this == POSTGRESQL && value != null && value.indexOf('\u0000') >= 0 ? value.replace('\u0000', '\uFFFD') : value;
    }

    /** Sets a parameter of {@code = ANY(?)} to these keys. */
    void setKeys(Connection connection, PreparedStatement statement, int index, List<UUID> keys) throws SQLException {
        UUID[] array = keys.toArray(new UUID[0]);
        if (this == POSTGRESQL) {
            statement.setArray(index, connection.createArrayOf("uuid", array));
        } else {
            statement.setObject(index, array);
        }
    }

    /**
     * PostgreSQL's upsert of a row by its key column: {@code INSERT INTO table (key, columns...) VALUES
     * (?, ...) ON CONFLICT (key) DO UPDATE SET} each other column to the value given.
     */
    static String upsert(String table, String key, String... columns) {
        List<String> all = new ArrayList<>(List.of(key));
        all.addAll(List.of(columns));
        List<String> updates = new ArrayList<>();
        for (String column : columns) {
            updates.add(column + " = EXCLUDED." + column);
        }
        return "INSERT INTO " + table + " (" + String.join(", ", all) + ") VALUES (" + "?, ".repeat(all.size() - 1) + "?)"
                + " ON CONFLICT (" + key + ") DO UPDATE SET " + String.join(", ", updates);
    }
}
