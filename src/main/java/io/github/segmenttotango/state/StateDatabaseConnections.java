package io.github.segmenttotango.state;

import org.apache.camel.support.service.ServiceSupport;
import org.h2.jdbcx.JdbcConnectionPool;

import javax.sql.DataSource;

/**
 * The connections to the state database: a pool opened with the bundle and closed when the bundle
 * stops, once its routes have stopped. Closing the pool's last connection closes an H2 database,
 * which then releases its file; without this it stayed open until the JVM exited.
 */
public final class StateDatabaseConnections extends ServiceSupport {

    private final JdbcConnectionPool pool;

    public StateDatabaseConnections(String jdbcUrl) {
        this.pool = JdbcConnectionPool.create(jdbcUrl, "sa", "");
    }

    public DataSource dataSource() {
        return pool;
    }

    @Override
    protected void doStop() {
        pool.dispose();
    }
}
