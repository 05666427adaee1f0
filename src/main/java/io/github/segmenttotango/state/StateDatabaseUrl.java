package io.github.segmenttotango.state;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The JDBC URL of the state database (group contexts, seen messageIds, parked events; in cluster
 * mode the dead letters too): the embedded H2 of the single process, or PostgreSQL in cluster mode
 * ({@link ClusterMode}), whose URL is left as it is.
 *
 * <p>H2 writes a committed transaction to its file up to {@code WRITE_DELAY} (500 ms) later, so a
 * {@code kill -9} in that time loses it; the reader, though, takes an event off the queue as soon
 * as the event is parked, and a parked event lost is an acknowledged event lost. So H2 URLs get
 * {@code WRITE_DELAY=0}: each commit is in the file (the operating system's cache) before it
 * returns, unless the URL sets {@code WRITE_DELAY} itself.
 *
 * <p>H2 also closes its databases in a JVM shutdown hook of its own, which runs beside Camel's:
 * on SIGTERM it closed the database under routes that were still finishing their work. So H2 URLs
 * get {@code DB_CLOSE_ON_EXIT=FALSE} too (unless they set it), and the bundle closes the database
 * itself once its routes have stopped ({@link StateDatabaseConnections}).
 */
public final class StateDatabaseUrl {

    private StateDatabaseUrl() {
    }

    /** Whether the URL is PostgreSQL's (the state shared by the instances of cluster mode). */
    public static boolean isPostgres(String url) {
        return url != null && url.strip().toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:");
    }

    /**
     * The URL as logs may show it: its host, port and database, without the parameters after
     * {@code ?} or a user before {@code @}.
     */
    public static String describe(String url) {
        String shown = url.strip();
        int parameters = shown.indexOf('?');
        shown = parameters < 0 ? shown : shown.substring(0, parameters);
        int at = shown.lastIndexOf('@');
        int slashes = shown.indexOf("//");
        return at < 0 || slashes < 0 || at < slashes ? shown : shown.substring(0, slashes + 2) + shown.substring(at + 1);
    }

    /** The configured URL (blank: embedded H2 in {@code <dataDir>/state}), made durable when it is H2's. */
    public static String of(String configured, Path dataDir) {
        String url = configured == null || configured.isBlank() ? "jdbc:h2:file:" + dataDir.resolve("state/bridge") : configured.strip();
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("jdbc:h2:") || lower.startsWith("jdbc:h2:mem:")) {
            return url;
        }
        if (!lower.contains(";write_delay=")) {
            url += ";WRITE_DELAY=0";
        }
        if (!lower.contains(";db_close_on_exit=")) {
            url += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        return url;
    }
}
