package io.github.segmenttotango.state;

import org.flywaydb.core.Flyway;

import javax.sql.DataSource;

/**
 * The tables of the state in PostgreSQL, created and upgraded by Flyway from the versioned scripts in
 * {@code src/main/resources/db/state/postgresql} ({@code V1__state.sql}, then one file a change). Flyway
 * holds a PostgreSQL lock while it migrates, so instances that start together apply each script once,
 * and it records what it applied in {@code state_schema_history}. A database that already holds other
 * tables is taken as it is (baseline 0) and gets the bundle's tables beside them.
 *
 * <p>The embedded H2 of the single process keeps creating its tables as before, in the classes of
 * the tables themselves.
 */
public final class StateSchema {

    static final String SCRIPTS = "classpath:db/state/postgresql";
    static final String HISTORY = "state_schema_history";

    private StateSchema() {
    }

    /** Applies the scripts the database lacks; returns how many. */
    public static int migrate(DataSource postgres) {
        return Flyway.configure(StateSchema.class.getClassLoader())
                .dataSource(postgres)
                .locations(SCRIPTS)
                .table(HISTORY)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
