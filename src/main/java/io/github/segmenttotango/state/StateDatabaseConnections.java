package io.github.segmenttotango.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.github.segmenttotango.util.RootCause;

import org.apache.camel.support.service.ServiceSupport;
import org.h2.jdbcx.JdbcConnectionPool;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import javax.sql.DataSource;

/**
 * The connections to the state database: a pool opened with the bundle and closed when the bundle
 * stops, once its routes have stopped. Closing the pool's last connection closes an H2 database,
 * which then releases its file; without this it stayed open until the JVM exited.
 *
 * <p>PostgreSQL (cluster mode) gets a pool that checks a connection before handing it out, so that
 * the connections a PostgreSQL restart or fail-over closed are replaced rather than failing every
 * query (H2's pool would hand them out again); its schema is then brought up to date
 * ({@link StateSchema}). The user and password are PostgreSQL's only (the embedded H2 has its own);
 * the password is never logged, nor put in a message.
 */
public final class StateDatabaseConnections extends ServiceSupport {

    /** The most connections to PostgreSQL one instance holds. */
    static final int POSTGRES_POOL_SIZE = 10;

    private final DataSource pool;
    private final AutoCloseable closing;
    /** PostgreSQL's URL, user and password, for {@link #unreachable}; null for H2. */
    private final String postgresUrl;
    private final String user;
    private final String password;

    /** The embedded H2 (or another H2 URL). */
    public StateDatabaseConnections(String jdbcUrl) {
        this(jdbcUrl, "", "");
    }

    /** H2, or PostgreSQL with this user and password (blank: none). */
    public StateDatabaseConnections(String jdbcUrl, String user, String password) {
        if (StateDatabaseUrl.isPostgres(jdbcUrl)) {
            HikariDataSource postgres = postgres(jdbcUrl, user, password);
            this.pool = postgres;
            this.closing = postgres;
            this.postgresUrl = jdbcUrl.strip();
            this.user = user;
            this.password = password;
        } else {
            JdbcConnectionPool h2 = JdbcConnectionPool.create(jdbcUrl, "sa", "");
            this.pool = h2;
            this.closing = h2::dispose;
            this.postgresUrl = null;
            this.user = null;
            this.password = null;
        }
    }

    /**
     * Why PostgreSQL cannot be reached now, or null when it answers (always null for the embedded H2):
     * a connection of its own, outside the pool, given 2 seconds, so that a readiness probe neither
     * waits for the pool's connection timeout nor takes a connection the routes need.
     */
    public String unreachable() {
        if (postgresUrl == null) {
            return null;
        }
        Properties properties = new Properties();
        if (user != null && !user.isBlank()) {
            properties.setProperty("user", user.strip());
        }
        if (password != null && !password.isEmpty()) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", "2");
        properties.setProperty("socketTimeout", "2");
        properties.setProperty("loginTimeout", "2");
        properties.setProperty("ApplicationName", "segment-totango readiness");
        try (Connection connection = new org.postgresql.Driver().connect(postgresUrl, properties)) {
            return connection != null && connection.isValid(2) ? null : "no answer within 2 seconds";
        } catch (SQLException e) {
            return RootCause.messageOf(e);
        }
    }

    /** The URL as logs may show it. */
    public String describe() {
        return postgresUrl == null ? "the embedded H2" : "PostgreSQL at " + StateDatabaseUrl.describe(postgresUrl);
    }

    private static HikariDataSource postgres(String jdbcUrl, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("state-database");
        config.setJdbcUrl(jdbcUrl.strip());
        if (user != null && !user.isBlank()) {
            config.setUsername(user.strip());
        }
        if (password != null && !password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(POSTGRES_POOL_SIZE);
        config.setConnectionTimeout(10_000);
        // defaults a parameter of the URL overrides: a peer that vanished without closing its
        // connection (a network partition) is noticed rather than waited for without end
        config.addDataSourceProperty("connectTimeout", "10");
        config.addDataSourceProperty("socketTimeout", "120");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "segment-totango");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException unreachable) {
            // no cause attached: the start prints the deepest cause's message, and this line says more
            throw new IllegalStateException("The state database (PostgreSQL at " + StateDatabaseUrl.describe(jdbcUrl)
                    + ") cannot be used: " + RootCause.messageOf(unreachable));
        }
        try {
            StateSchema.migrate(pool);
        } catch (RuntimeException failed) {
            pool.close();
            throw new IllegalStateException("The schema of the state database (PostgreSQL at " + StateDatabaseUrl.describe(jdbcUrl)
                    + ") could not be brought up to date: " + RootCause.messageOf(failed));
        }
        return pool;
    }

    public DataSource dataSource() {
        return pool;
    }

    @Override
    protected void doStop() throws Exception {
        closing.close();
    }
}
