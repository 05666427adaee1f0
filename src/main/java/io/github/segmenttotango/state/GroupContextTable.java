package io.github.segmenttotango.state;

import io.github.segmenttotango.mapping.GroupContext;

import com.fasterxml.jackson.databind.JsonNode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The group contexts and last page modules ({@link GroupContextStore}) in two tables of the state
 * database (the embedded H2, or PostgreSQL shared by the instances of cluster mode), so they survive a restart, with the entries looked up lately cached in front; entries expire after {@code ttl} and each table is trimmed to
 * {@code maxEntries}, oldest first.
 */
public final class GroupContextTable implements GroupContextStore {

    private final DataSource dataSource;
    private final StateSql sql;
    private final Duration ttl;
    private final long maxEntries;
    private final Clock clock;

    /**
     * In front of the table: the contexts looked up lately (and the users that have none), so an
     * event costs no query. A group call taken here updates it at once; one taken by another node
     * sharing the database is seen within {@link #LOCAL_TTL}.
     */
    private final Cache<String, Optional<GroupContext>> recent;
    /** The same in front of the last page modules. */
    private final Cache<String, Optional<String>> recentModules;

    static final Duration LOCAL_TTL = Duration.ofMinutes(1);
    private static final int LOCAL_ENTRIES = 100_000;

    public GroupContextTable(DataSource dataSource, Duration ttl, long maxEntries, Clock clock) {
        this.dataSource = dataSource;
        this.sql = StateSql.of(dataSource);
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.recent = Caffeine.newBuilder().maximumSize(LOCAL_ENTRIES).expireAfterWrite(LOCAL_TTL)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis())).build();
        this.recentModules = Caffeine.newBuilder().maximumSize(LOCAL_ENTRIES).expireAfterWrite(LOCAL_TTL)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis())).build();
        if (sql.createsTablesItself()) {
            createTable();
        }
    }

    /** The cached group context of the event's user: by userId, then by anonymousId; null when none. */
    @Override
    public GroupContext lookup(JsonNode event) {
        return firstFound(event, recent, this::find);
    }

    /** Remembers the context of a group call for its userId and its anonymousId. */
    @Override
    public void remember(JsonNode group, GroupContext context) {
        for (String key : GroupContextStore.keysOf(group)) {
            save(key, context);
            recent.put(key, Optional.of(context));
        }
    }

    /** The module of the last page with a category of the event's user: by userId, then by anonymousId; null when none. */
    @Override
    public String lastPageModule(JsonNode event) {
        return firstFound(event, recentModules, this::findModule);
    }

    /** What the event's user has, by userId, then by anonymousId: from the local cache, else the table; null when none. */
    private static <T> T firstFound(JsonNode event, Cache<String, Optional<T>> cache, Function<String, T> table) {
        for (String key : GroupContextStore.keysOf(event)) {
            Optional<T> found = cache.get(key, missing -> Optional.ofNullable(table.apply(missing)));
            if (found.isPresent()) {
                return found.get();
            }
        }
        return null;
    }

    /** Remembers the module of a page for its userId and its anonymousId; nothing when the module is null. */
    @Override
    public void rememberLastPageModule(JsonNode page, String module) {
        if (module == null) {
            return;
        }
        for (String key : GroupContextStore.keysOf(page)) {
            saveModule(key, module);
            recentModules.put(key, Optional.of(module));
        }
    }

    /** Drops expired entries, then the oldest beyond the bound, of both tables; returns how many went. */
    @Override
    public int expire() {
        int removed = expire("group_context");
        if (removed > 0) {
            recent.invalidateAll();
        }
        int modules = expire("last_page_module");
        if (modules > 0) {
            recentModules.invalidateAll();
        }
        return removed + modules;
    }

    private int expire(String table) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement expired = connection.prepareStatement("DELETE FROM " + table + " WHERE updated_at < ?");
                Statement trim = connection.createStatement()) {
            expired.setLong(1, clock.millis() - ttl.toMillis());
            int removed = expired.executeUpdate();
            try (ResultSet count = trim.executeQuery("SELECT COUNT(*) FROM " + table)) {
                count.next();
                long excess = count.getLong(1) - maxEntries;
                if (excess > 0) {
                    removed += trim.executeUpdate("DELETE FROM " + table + " WHERE user_key IN (SELECT user_key FROM " + table
                            + " ORDER BY updated_at LIMIT " + excess + ")");
                }
            }
            return removed;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not expire the " + table + " table: " + e.getMessage(), e);
        }
    }

    private String findModule(String key) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT module FROM last_page_module WHERE user_key = ? AND updated_at >= ?")) {
            select.setString(1, sql.text(key));
            select.setLong(2, clock.millis() - ttl.toMillis());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the last page modules: " + e.getMessage(), e);
        }
    }

    private void saveModule(String key, String module) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement merge = connection.prepareStatement(sql == StateSql.POSTGRESQL
                        ? StateSql.upsert("last_page_module", "user_key", "module", "updated_at") :
                        "MERGE INTO last_page_module t USING (VALUES (CAST(? AS VARCHAR(400)), CAST(? AS VARCHAR),"
                                + " CAST(? AS BIGINT))) s(user_key, module, updated_at)"
                                + " ON t.user_key = s.user_key"
                                + " WHEN MATCHED THEN UPDATE SET module = s.module, updated_at = s.updated_at"
                                + " WHEN NOT MATCHED THEN INSERT (user_key, module, updated_at) VALUES (s.user_key, s.module, s.updated_at)")) {
            merge.setString(1, sql.text(key));
            merge.setString(2, sql.text(module));
            merge.setLong(3, clock.millis());
            merge.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not write the last page modules: " + e.getMessage(), e);
        }
    }

    private GroupContext find(String key) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT account_id, product_account_id FROM group_context WHERE user_key = ? AND updated_at >= ?")) {
            select.setString(1, sql.text(key));
            select.setLong(2, clock.millis() - ttl.toMillis());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new GroupContext(row.getString(1), row.getString(2)) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the group context cache: " + e.getMessage(), e);
        }
    }

    private void save(String key, GroupContext context) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement merge = connection.prepareStatement(sql == StateSql.POSTGRESQL
                        ? StateSql.upsert("group_context", "user_key", "account_id", "product_account_id", "updated_at") :
                        "MERGE INTO group_context t USING (VALUES (CAST(? AS VARCHAR(400)), CAST(? AS VARCHAR(1000)),"
                                + " CAST(? AS VARCHAR(1000)), CAST(? AS BIGINT))) s(user_key, account_id, product_account_id, updated_at)"
                                + " ON t.user_key = s.user_key"
                                + " WHEN MATCHED THEN UPDATE SET account_id = s.account_id,"
                                + " product_account_id = s.product_account_id, updated_at = s.updated_at"
                                + " WHEN NOT MATCHED THEN INSERT (user_key, account_id, product_account_id, updated_at)"
                                + " VALUES (s.user_key, s.account_id, s.product_account_id, s.updated_at)")) {
            merge.setString(1, sql.text(key));
            merge.setString(2, sql.text(context.accountId()));
            merge.setString(3, sql.text(context.productAccountId()));
            merge.setLong(4, clock.millis());
            merge.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not write the group context cache: " + e.getMessage(), e);
        }
    }

    private void createTable() {
        try (Connection connection = dataSource.getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS group_context (user_key VARCHAR(400) PRIMARY KEY,"
                    + " account_id VARCHAR(1000) NOT NULL, product_account_id VARCHAR(1000), updated_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS group_context_updated ON group_context (updated_at)");
            ddl.execute("CREATE TABLE IF NOT EXISTS last_page_module (user_key VARCHAR(400) PRIMARY KEY,"
                    + " module VARCHAR NOT NULL, updated_at BIGINT NOT NULL)");
            ddl.execute("CREATE INDEX IF NOT EXISTS last_page_module_updated ON last_page_module (updated_at)");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the group context table: " + e.getMessage(), e);
        }
    }
}
