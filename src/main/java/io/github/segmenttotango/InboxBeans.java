package io.github.segmenttotango;

import io.github.segmenttotango.inbox.InboxFileReader;
import io.github.segmenttotango.state.ReadLockTable;
import io.github.segmenttotango.state.StateDatabaseUrl;
import io.github.segmenttotango.util.Durations;
import io.github.segmenttotango.util.SettingValues;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

/**
 * The file drop (routes/file-ingest.yaml): {@code inboxFiles}, and its read lock. One process reads its
 * inbox with Camel's {@code changed} read lock; with the state in PostgreSQL (cluster mode), the inbox
 * may be a folder the instances share, and the lock is {@code idempotent-changed}: the same check that
 * a file has settled, plus a row of the shared {@link ReadLockTable} ({@code inboxReadLocks}), so that
 * each file is read by one instance, and a file whose reader died is read by another.
 */
final class InboxBeans {

    /** The rows' processorName: the locks of the inbox folder. */
    static final String READ_LOCK_OWNER = "inbox";

    private InboxBeans() {
    }

    static void bind(CamelContext context, BundleSettings settings, Clock clock, DataSource state) {
        context.getRegistry().bind("inboxFiles", new InboxFileReader(settings.inboxDir(), settings.limits(), clock,
                settings.durations().get("inbox.settle-time"), settings.inboxDoneMarker()));
        PropertiesComponent properties = context.getPropertiesComponent();
        if (!StateDatabaseUrl.isPostgres(Setting.of(context, "bridge.state.jdbc-url"))) {
            properties.addOverrideProperty("inbox.read-lock", "changed");
            return;
        }
        Duration maxAge = duration(context, "inbox.lock-max-age");
        Duration keepAlive = duration(context, "inbox.lock-keep-alive");
        if (keepAlive.isZero() || maxAge.compareTo(keepAlive.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("inbox.lock-max-age (" + SettingValues.environmentVariable("inbox.lock-max-age")
                    + ") must be at least twice inbox.lock-keep-alive (" + SettingValues.environmentVariable("inbox.lock-keep-alive")
                    + "), which must not be 0");
        }
        ReadLockTable locks = new ReadLockTable(state, READ_LOCK_OWNER, maxAge, keepAlive, context);
        context.getRegistry().bind("inboxReadLocks", Services.add(context, locks, "the inbox's read locks"));
        properties.addOverrideProperty("inbox.read-lock", "idempotent-changed");
        properties.addOverrideProperty("inbox.read-locks", "#inboxReadLocks");
    }

    private static Duration duration(CamelContext context, String key) {
        return Durations.parse(key, Setting.of(context, key));
    }
}
