package io.github.segmenttotango.state;

import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/**
 * The tables of the state in PostgreSQL, created and upgraded by Flyway from the versioned scripts in
 * {@code src/main/resources/db/state/postgresql} ({@code V1__state.sql}, then one file a change), which
 * Flyway records in {@code state_schema_history}. A database that already holds other tables is taken
 * as it is (baseline 0) and gets the bundle's tables beside them.
 *
 * <p>Instances that start together migrate one after the other: each holds a PostgreSQL advisory lock
 * of its transaction for its whole migration. Flyway's own lock covers only the applying of scripts,
 * not its first look at the schema, and an instance that looked while another was creating the history
 * table took the schema for a foreign one and failed to baseline it ("as it already exists, and is
 * empty"). The lock is the transaction's, so a failure or a lost connection releases it.
 *
 * <p>The embedded H2 of the single process keeps creating its tables as before, in the classes of
 * the tables themselves.
 */
public final class StateSchema {

    static final String SCRIPTS = "classpath:db/state/postgresql";
    static final String HISTORY = "state_schema_history";
    /** The advisory lock's key: any number that other users of the database are unlikely to take. */
    static final long MIGRATION_LOCK = 0x5e67_70ba_0001L;

    private StateSchema() {
    }

    /** Applies the scripts the database lacks, one instance at a time; returns how many. */
    public static int migrate(DataSource postgres) {
        try (Connection lock = postgres.getConnection()) {
            lock.setAutoCommit(false);
            try (Statement take = lock.createStatement()) {
                take.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            }
            int applied = Flyway.configure(StateSchema.class.getClassLoader())
                    .dataSource(postgres)
                    .locations(SCRIPTS)
                    .table(HISTORY)
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate()
                    .migrationsExecuted;
            // ends the transaction, and so releases the lock (as a rollback does on a failure)
            lock.commit();
            return applied;
        } catch (SQLException e) {
            throw new IllegalStateException("The migration's lock (a transaction holding a PostgreSQL advisory lock) failed: " + e.getMessage(), e);
        }
    }
}
