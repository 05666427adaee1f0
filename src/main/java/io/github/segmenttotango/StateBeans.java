package io.github.segmenttotango;

import io.github.segmenttotango.state.ClusterMode;
import io.github.segmenttotango.state.DeadLetterFiles;
import io.github.segmenttotango.state.DeadLetterStore;
import io.github.segmenttotango.state.DeadLetterTable;
import io.github.segmenttotango.state.GroupContextStore;
import io.github.segmenttotango.state.GroupContextTable;
import io.github.segmenttotango.state.ParkedEvents;
import io.github.segmenttotango.state.ParkedEventsTable;
import io.github.segmenttotango.state.SeenMessageIds;
import io.github.segmenttotango.state.SeenMessageIdsRocksDb;
import io.github.segmenttotango.state.SeenMessageIdsTable;
import io.github.segmenttotango.state.StateDatabaseConnections;
import io.github.segmenttotango.state.StateDatabaseReadiness;
import io.github.segmenttotango.state.StateDatabaseUrl;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

/**
 * The state database ({@code stateDataSource}) and the stores kept in it or beside it:
 * {@code seenMessageIds}, {@code groupContexts}, {@code parkedEvents} and the dead letters. The single
 * process keeps them in the embedded H2, RocksDB and files under the data folder; cluster mode
 * ({@link ClusterMode}) all of them in the PostgreSQL its instances share ({@link #stores} picks).
 */
final class StateBeans {

    private static final Logger LOG = LoggerFactory.getLogger(StateBeans.class);

    /**
     * The stores the other concerns use. {@code deadLetterFolder} is the folder readiness checks is
     * writable: the dead letters' own, or the data folder when they are in PostgreSQL.
     */
    record Stores(GroupContextStore groupContexts, ParkedEvents parked, DeadLetterStore deadLetters, Path deadLetterFolder) {
    }

    private StateBeans() {
    }

    /**
     * Checks the mode (brokers and URL agree), then opens the state database (a service that stops
     * last but one, after the queue's): PostgreSQL, its schema brought up to date, in cluster mode,
     * where readiness is down while PostgreSQL cannot be reached.
     */
    static DataSource database(CamelContext context, BundleSettings settings) {
        String configured = Setting.of(context, "bridge.state.jdbc-url");
        ClusterMode.of(Setting.of(context, "bridge.cluster.kafka-brokers"), configured);
        String jdbcUrl = StateDatabaseUrl.of(configured, settings.dataDir());
        StateDatabaseConnections state = Services.add(context, new StateDatabaseConnections(jdbcUrl,
                Setting.of(context, "bridge.state.jdbc-user"), Setting.of(context, "bridge.state.jdbc-password")), "the state database");
        if (StateDatabaseUrl.isPostgres(jdbcUrl)) {
            LOG.info("Cluster mode: the state is shared in PostgreSQL at {}", StateDatabaseUrl.describe(jdbcUrl));
            HealthCheckRegistry health = HealthCheckRegistry.get(context);
            if (health != null) {
                health.register(new StateDatabaseReadiness(state));
            }
        }
        DataSource dataSource = state.dataSource();
        context.getRegistry().bind("stateDataSource", dataSource);
        return dataSource;
    }

    /** The stores, bound by name: those of one process, or, on PostgreSQL, those the instances share. */
    static Stores stores(CamelContext context, BundleSettings settings, DataSource dataSource, Clock clock) {
        Stores stores = StateDatabaseUrl.isPostgres(Setting.of(context, "bridge.state.jdbc-url"))
                ? sharedStores(context, settings, dataSource, clock)
                : localStores(context, settings, dataSource, clock);
        context.getRegistry().bind("groupContexts", stores.groupContexts());
        context.getRegistry().bind("parkedEvents", stores.parked());
        return stores;
    }

    /** The single process: H2 tables, the dedup window in RocksDB (or H2), dead letters as files. */
    private static Stores localStores(CamelContext context, BundleSettings settings, DataSource dataSource, Clock clock) {
        context.getRegistry().bind("seenMessageIds", seenMessageIds(context, settings, dataSource, clock));
        Path deadLetterFolder = settings.dataDir().resolve("dead-letter");
        DeadLetterFiles deadLetters = new DeadLetterFiles(deadLetterFolder, dataSource, settings.deadLetterRetention(), clock).open();
        return new Stores(groupContexts(settings, dataSource, clock), parked(settings, dataSource, clock), deadLetters, deadLetterFolder);
    }

    /**
     * Cluster mode: every store a table of the PostgreSQL the instances share, the dedup window too
     * (segment.dedup-store does not apply: RocksDB is one instance's own).
     */
    static Stores sharedStores(CamelContext context, BundleSettings settings, DataSource postgres, Clock clock) {
        context.getRegistry().bind("seenMessageIds",
                new SeenMessageIdsTable(postgres, settings.durations().get("segment.dedup-window"), clock));
        DeadLetterStore deadLetters = new DeadLetterTable(postgres, settings.deadLetterRetention(), clock);
        return new Stores(groupContexts(settings, postgres, clock), parked(settings, postgres, clock), deadLetters, settings.dataDir());
    }

    private static GroupContextStore groupContexts(BundleSettings settings, DataSource dataSource, Clock clock) {
        return new GroupContextTable(dataSource, settings.groupContextTtl(), settings.groupContextMaxEntries(), clock);
    }

    private static ParkedEvents parked(BundleSettings settings, DataSource dataSource, Clock clock) {
        return new ParkedEventsTable(dataSource, settings.durations().get("delivery.park-window"), clock);
    }

    /**
     * The dedup window: a RocksDB store in {@code <data-dir>/dedup} (stopped with the bundle, after its
     * routes), or a table in the state database.
     */
    private static SeenMessageIds seenMessageIds(CamelContext context, BundleSettings settings, DataSource state, Clock clock) {
        Duration window = settings.durations().get("segment.dedup-window");
        if (settings.dedupStore().equals(BundleSettings.DEDUP_IN_STATE_DATABASE)) {
            return new SeenMessageIdsTable(state, window, clock);
        }
        SeenMessageIdsRocksDb store;
        try {
            store = new SeenMessageIdsRocksDb(settings.dataDir().resolve("dedup"), settings.dataDir().resolve("native"), window, clock);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("segment.dedup-store (SEGMENT_DEDUP_STORE) " + BundleSettings.DEDUP_IN_ROCKSDB
                    + " cannot be used: " + e.getMessage() + "; " + BundleSettings.DEDUP_IN_STATE_DATABASE
                    + " keeps the window in the state database", e);
        }
        return Services.add(context, store, "the dedup store");
    }
}
