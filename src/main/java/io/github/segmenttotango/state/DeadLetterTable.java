package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters as rows of the state database, one JSON document each beside the columns the admin
 * API filters and pages on (kind, reason, time, size): the store of cluster mode, where every
 * instance reads and writes the same table of PostgreSQL, so that listing, replay and delete give
 * the same answer on each. The single process keeps its letters as files ({@link DeadLetterFiles}).
 * A letter is committed before {@link #write} returns; those older than the retention are dropped.
 */
public final class DeadLetterTable implements DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTable.class);
    /** How long the size of all letters, which every letter kept asks for, is taken as it was last read. */
    private static final long BYTES_READ_EVERY_MILLIS = 1000;

    private final DataSource dataSource;
    private final StateSql sql;
    private final Duration retention;
    private final Clock clock;
    private final ObjectMapper json = JsonMapper.builder().build();
    private long bytes;
    private long bytesReadAt = Long.MIN_VALUE;

    public DeadLetterTable(DataSource dataSource, Duration retention, Clock clock) {
        this.dataSource = dataSource;
        this.sql = StateSql.of(dataSource);
        this.retention = retention;
        this.clock = clock;
        if (sql.createsTablesItself()) {
            run(connection -> {
                try (Statement ddl = connection.createStatement()) {
                    ddl.execute("CREATE TABLE IF NOT EXISTS dead_letter (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(8),"
                            + " reason VARCHAR(64) NOT NULL, bytes BIGINT NOT NULL, kept_at BIGINT NOT NULL, letter CLOB NOT NULL)");
                    ddl.execute("CREATE INDEX IF NOT EXISTS dead_letter_by_reason ON dead_letter (reason, id)");
                    ddl.execute("CREATE INDEX IF NOT EXISTS dead_letter_kept ON dead_letter (kept_at)");
                }
                return null;
            });
        }
    }

    @Override
    public void write(DeadLetter letter) {
        String document;
        try {
            document = sql.text(json.writeValueAsString(letter));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write dead letter " + letter.id() + ": " + e.getMessage(), e);
        }
        long size = document.getBytes(StandardCharsets.UTF_8).length;
        run(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO dead_letter (id, kind, reason, bytes, kept_at, letter) VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, letter.id());
                insert.setString(2, letter.kind());
                insert.setString(3, letter.reason() == null ? "" : sql.text(letter.reason()));
                insert.setLong(4, size);
                insert.setLong(5, clock.millis());
                insert.setString(6, document);
                insert.executeUpdate();
            }
            return null;
        });
        synchronized (this) {
            bytes += size;
        }
    }

    @Override
    public DeadLetter load(String id) {
        if (!DeadLetterFiles.validId(id)) {
            return null;
        }
        String document = run(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT letter FROM dead_letter WHERE id = ?")) {
                select.setString(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getString(1) : null;
                }
            }
        });
        return document == null ? null : read(id, document);
    }

    @Override
    public boolean delete(String id) {
        if (!DeadLetterFiles.validId(id)) {
            return false;
        }
        return run(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM dead_letter WHERE id = ?")) {
                delete.setString(1, id);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public Page page(String reason, long offset, int limit) {
        return page(reason, null, null, offset, limit);
    }

    @Override
    public Page page(String reason, Long since, Long until, long offset, int limit) {
        DeadLetterIndex.Filter filter = new DeadLetterIndex.Filter(reason == null || reason.isBlank() ? null : reason, since, until);
        return run(connection -> {
            long total;
            try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM dead_letter" + filter.where())) {
                filter.bind(count);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    total = rows.getLong(1);
                }
            }
            List<DeadLetter> items = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT id, letter FROM dead_letter" + filter.where()
                    + " ORDER BY id LIMIT ? OFFSET ?")) {
                int at = filter.bind(select);
                select.setInt(at++, limit);
                select.setLong(at, offset);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        items.add(read(rows.getString(1), rows.getString(2)));
                    }
                }
            }
            return new Page(total, items);
        });
    }

    @Override
    public List<String> ids(String reason, long offset, int limit) {
        DeadLetterIndex.Filter filter = new DeadLetterIndex.Filter(reason, null, null);
        return run(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM dead_letter" + filter.where()
                    + " ORDER BY id LIMIT ? OFFSET ?")) {
                int at = filter.bind(select);
                select.setInt(at++, limit);
                select.setLong(at, offset);
                List<String> ids = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    @Override
    public int expire() {
        int dropped = run(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM dead_letter WHERE kept_at < ?")) {
                delete.setLong(1, clock.millis() - retention.toMillis());
                return delete.executeUpdate();
            }
        });
        if (dropped > 0) {
            LOG.info("Dropped {} dead letters older than bridge.dead-letter.retention ({})", dropped, retention);
            synchronized (this) {
                bytesReadAt = Long.MIN_VALUE;
            }
        }
        return dropped;
    }

    /** The bytes of all letters, those the other instances kept too: read again at most once a second. */
    @Override
    public synchronized long bytes() {
        long now = clock.millis();
        if (bytesReadAt == Long.MIN_VALUE || now - bytesReadAt >= BYTES_READ_EVERY_MILLIS || now < bytesReadAt) {
            bytes = run(connection -> {
                try (Statement sum = connection.createStatement();
                        ResultSet total = sum.executeQuery("SELECT COALESCE(SUM(bytes), 0) FROM dead_letter")) {
                    total.next();
                    return total.getLong(1);
                }
            });
            bytesReadAt = now;
        }
        return bytes;
    }

    private DeadLetter read(String id, String document) {
        try {
            return json.readValue(document, DeadLetter.class);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dead letter " + id + ": " + e.getMessage(), e);
        }
    }

    private interface Sql<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T run(Sql<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("The dead-letter table of the state database failed: " + e.getMessage(), e);
        }
    }
}
