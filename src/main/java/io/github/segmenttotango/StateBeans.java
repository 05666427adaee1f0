package io.github.segmenttotango;

import io.github.segmenttotango.state.DeadLetterFiles;
import io.github.segmenttotango.state.GroupContextStore;
import io.github.segmenttotango.state.GroupContextTable;
import io.github.segmenttotango.state.ParkedEvents;
import io.github.segmenttotango.state.ParkedEventsTable;
import io.github.segmenttotango.state.SeenMessageIds;
import io.github.segmenttotango.state.SeenMessageIdsRocksDb;
import io.github.segmenttotango.state.SeenMessageIdsTable;
import io.github.segmenttotango.state.StateDatabaseConnections;
import io.github.segmenttotango.state.StateDatabaseUrl;

import org.apache.camel.CamelContext;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

/**
 * The state database ({@code stateDataSource}) and the stores kept in it or beside it:
 * {@code seenMessageIds}, {@code groupContexts}, {@code parkedEvents} and the dead-letter files.
 */
final class StateBeans {

    /** The stores the other concerns use. */
    record Stores(GroupContextStore groupContexts, ParkedEvents parked, DeadLetterFiles deadLetters, Path deadLetterFolder) {
    }

    private StateBeans() {
    }

    /** Opens the state database (a service that stops last but one, after the queue's). */
    static DataSource database(CamelContext context, BundleSettings settings) {
        String jdbcUrl = StateDatabaseUrl.of(Setting.of(context, "bridge.state.jdbc-url"),
                settings.dataDir());
        StateDatabaseConnections state = Services.add(context, new StateDatabaseConnections(jdbcUrl), "the state database");
        DataSource dataSource = state.dataSource();
        context.getRegistry().bind("stateDataSource", dataSource);
        return dataSource;
    }

    static Stores stores(CamelContext context, BundleSettings settings, DataSource dataSource, Clock clock) {
        context.getRegistry().bind("seenMessageIds", seenMessageIds(context, settings, dataSource, clock));
        GroupContextStore groupContexts = new GroupContextTable(dataSource, settings.groupContextTtl(),
                settings.groupContextMaxEntries(), clock);
        context.getRegistry().bind("groupContexts", groupContexts);
        ParkedEvents parked = new ParkedEventsTable(dataSource, settings.durations().get("delivery.park-window"), clock);
        context.getRegistry().bind("parkedEvents", parked);
        Path deadLetterFolder = settings.dataDir().resolve("dead-letter");
        DeadLetterFiles deadLetters = new DeadLetterFiles(deadLetterFolder, dataSource, settings.deadLetterRetention(), clock).open();
        return new Stores(groupContexts, parked, deadLetters, deadLetterFolder);
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
