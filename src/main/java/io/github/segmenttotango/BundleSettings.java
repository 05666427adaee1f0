package io.github.segmenttotango;

import io.github.segmenttotango.delivery.DeliverySettings;
import io.github.segmenttotango.ingest.CorsPolicy;
import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.mapping.MappingSettings;
import io.github.segmenttotango.util.Durations;
import io.github.segmenttotango.util.SettingValues;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every setting of the bundle, read once at start and checked: a missing or malformed one stops
 * the start with a message that names it and its environment variable. The defaults are those of
 * {@code config/application.properties}, and only there: a key it lacks is an error, not a
 * default of this class.
 */
public record BundleSettings(String serviceId, String totangoUrl, String apiToken, MappingSettings mapping,
        String writeKeys, IngestLimits limits, Path dataDir, Path inboxDir, boolean inboxDoneMarker, long queueMaxBytes, int queueMaxDiskUsage, long minFreeDisk, int httpMaxConnections,
        long maxBacklog, int routingBatchEvents, int deferRoutingMaxQueued, Duration deferRoutingMaxWait, String dedupStore,
        Duration groupContextTtl, long groupContextMaxEntries,
        Duration deadLetterRetention, long deadLetterMaxBytes,
        Map<String, Duration> durations, CorsPolicy cors, DeliverySettings delivery) {

    /**
     * The duration settings the routes use: each is also published as {@code <key>.millis}, in
     * milliseconds, for the route options that take a number (BundleConfiguration).
     */
    static final List<String> ROUTE_DURATIONS = List.of("totango.connect-timeout", "totango.response-timeout",
            "ingest.retry.initial-delay", "ingest.retry.max-delay", "delivery.retry.initial-delay", "delivery.retry.max-delay",
            "delivery.retry.window", "delivery.park-window", "delivery.park-check-interval", "delivery.stop-grace",
            "inbox.settle-time", "inbox.lock-timeout", "segment.request-timeout", "segment.http.header-timeout",
            "segment.http.idle-timeout", "segment.dedup-window");

    /** Where the dedup window is kept: a RocksDB store in the data folder, or a table of the state database. */
    public static final String DEDUP_IN_ROCKSDB = "rocksdb";
    public static final String DEDUP_IN_STATE_DATABASE = "state-database";

    static final Map<String, String> REGION_URLS = Map.of(
            "us", "https://sdr.totango.com/pixel.gif/",
            "eu", "https://sdr-eu1.totango.com/pixel.gif/");

    /** Reads and checks the settings; {@code setting} answers a key with its value or null. */
    public static BundleSettings read(Function<String, String> setting) {
        Reader read = new Reader(setting);
        String serviceId = read.required("totango.service-id", "the Totango service id every call carries (sdr_s)");
        String region = read.text("totango.region").toLowerCase(Locale.ROOT);
        if (!REGION_URLS.containsKey(region)) {
            throw read.invalid("totango.region", "must be us or eu, not '" + region + "'");
        }
        // blank: the region's URL
        String url = read.text("totango.url");
        url = url.isEmpty() ? REGION_URLS.get(region) : url;
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw read.invalid("totango.url", "must be an http:// or https:// URL");
        }
        MappingSettings mapping = new MappingSettings(read.text("totango.default-plan"),
                read.bool("totango.track-named-pages"), read.bool("totango.track-categorized-pages"),
                read.bool("totango.disable-heartbeat"), read.text("totango.product-account-separator"),
                read.bool("totango.track-module-from-last-page"));
        int maxRequestBytes = read.positive("segment.limits.max-request-bytes");
        IngestLimits limits = new IngestLimits(maxRequestBytes,
                read.positive("segment.limits.max-event-bytes"), read.positive("segment.limits.max-batch-events"),
                read.positive("segment.limits.max-depth"), maxRequestBytes,
                read.positive("segment.limits.max-number-length"));
        if (!read.text("ingest.queue-uri").startsWith("jms:")) {
            throw read.invalid("ingest.queue-uri", "must be a jms: queue (the embedded broker): the reader of events needs its transactions");
        }
        String dedupStore = read.text("segment.dedup-store").toLowerCase(Locale.ROOT);
        if (!dedupStore.equals(DEDUP_IN_ROCKSDB) && !dedupStore.equals(DEDUP_IN_STATE_DATABASE)) {
            throw read.invalid("segment.dedup-store", "must be " + DEDUP_IN_ROCKSDB + " or " + DEDUP_IN_STATE_DATABASE + ", not '" + dedupStore + "'");
        }
        Path dataDir = writableFolder(read, "bridge.data-dir", null);
        // blank: <data-dir>/inbox
        Path inboxDir = writableFolder(read, "inbox.dir", dataDir.resolve("inbox").toString());
        return new BundleSettings(serviceId, url, read.text("totango.api-token"), mapping,
                read.text("segment.write-keys"), limits, dataDir, inboxDir, read.bool("inbox.done-marker"),
                read.positiveLong("delivery.queue.max-bytes"), read.percent("delivery.queue.max-disk-usage"),
                read.positiveLong("bridge.min-free-disk"), read.positive("segment.http.max-connections"),
                read.positiveLong("delivery.max-backlog"), read.positive("ingest.routing-batch-events"),
                read.zeroOrMore("ingest.defer-routing.max-queued"), read.duration("ingest.defer-routing.max-wait"),
                dedupStore,
                read.duration("bridge.group-context.ttl"), read.positive("bridge.group-context.max-entries"),
                read.duration("bridge.dead-letter.retention"),
                deadLetterMaxBytes(read, dataDir),
                routeDurations(read), read.corsPolicy("segment.cors.allowed-origins"),
                new DeliverySettings(read.positive("totango.max-in-flight"), read.zeroOrMore("totango.max-calls-per-second"),
                        read.positiveLong("delivery.read-ahead-bytes")));
    }

    private static Map<String, Duration> routeDurations(Reader read) {
        Map<String, Duration> durations = new TreeMap<>();
        ROUTE_DURATIONS.forEach(key -> durations.put(key, read.duration(key)));
        return durations;
    }

    /** The effective settings in one line for the start-up log; secrets are masked, keys only counted. */
    public String describe() {
        int keys = SettingValues.list(writeKeys).size();
        return "totango.url=" + totangoUrl + " totango.service-id=" + serviceId
                + " totango.api-token=" + (apiToken.isEmpty() ? "(none)" : "****")
                + " totango.default-plan=" + (mapping.defaultPlan().isEmpty() ? "(none)" : mapping.defaultPlan())
                + " totango.track-named-pages=" + mapping.trackNamedPages()
                + " totango.track-categorized-pages=" + mapping.trackCategorizedPages()
                + " totango.disable-heartbeat=" + mapping.disableHeartbeat()
                + " totango.product-account-separator=" + mapping.productAccountSeparator()
                + " totango.track-module-from-last-page=" + mapping.trackModuleFromLastPage()
                + " segment.write-keys=" + (keys == 0 ? "(any key)" : keys + " key(s), masked")
                + " segment.limits=" + limits + " segment.dedup-store=" + dedupStore + " segment.cors.allowed-origins=" + cors
                + " ingest.routing-batch-events=" + routingBatchEvents + " ingest.defer-routing.max-queued=" + deferRoutingMaxQueued
                + " ingest.defer-routing.max-wait=" + deferRoutingMaxWait + " delivery.max-backlog=" + maxBacklog + " delivery.queue.max-bytes=" + queueMaxBytes + " delivery.queue.max-disk-usage=" + queueMaxDiskUsage
                + " bridge.min-free-disk=" + minFreeDisk + " segment.http.max-connections=" + httpMaxConnections
                + " bridge.data-dir=" + dataDir + " inbox.dir=" + inboxDir + " inbox.done-marker=" + inboxDoneMarker + " bridge.group-context.ttl=" + groupContextTtl
                + " bridge.group-context.max-entries=" + groupContextMaxEntries
                + " bridge.dead-letter.retention=" + deadLetterRetention + " bridge.dead-letter.max-bytes=" + deadLetterMaxBytes
                + " durations=" + durations;
    }

    /** bridge.dead-letter.max-bytes; blank: a tenth of the data disk. */
    private static long deadLetterMaxBytes(Reader read, Path dataDir) {
        return read.text("bridge.dead-letter.max-bytes").isEmpty() ? shareOfDisk(dataDir, 10)
                : read.positiveLong("bridge.dead-letter.max-bytes");
    }

    /** A share (percent) of the size of the disk that holds a folder; 1 GiB when the disk cannot tell. */
    static long shareOfDisk(Path folder, int percent) {
        try {
            return Math.max(1, Files.getFileStore(folder).getTotalSpace() / 100 * percent);
        } catch (java.io.IOException unknown) {
            return 1L << 30;
        }
    }

    /** A folder setting, created if need be and checked writable; {@code whenBlank} null: blank is refused. */
    private static Path writableFolder(Reader read, String key, String whenBlank) {
        String value = read.text(key);
        if (value.isEmpty() && whenBlank == null) {
            throw read.invalid(key, "must name a folder");
        }
        Path folder = Path.of(value.isEmpty() ? whenBlank : value).toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
            Path probe = Files.createTempFile(folder, ".probe", ".tmp");
            Files.delete(probe);
        } catch (Exception e) {
            throw read.invalid(key, "must be a writable folder; " + folder + " is not (" + e.getClass().getSimpleName() + ")");
        }
        return folder;
    }

    private record Reader(Function<String, String> setting) {

        /** The value, trimmed (blank stays blank); a key config/application.properties lacks is an error. */
        String text(String key) {
            return SettingValues.text(setting, key);
        }

        String required(String key, String what) {
            String value = text(key);
            if (value.isEmpty()) {
                throw new IllegalArgumentException(key + " is required: set " + SettingValues.environmentVariable(key)
                        + " or " + key + " in config/application.properties to " + what);
            }
            return value;
        }

        boolean bool(String key) {
            String value = text(key).toLowerCase(Locale.ROOT);
            if (!value.equals("true") && !value.equals("false")) {
                throw invalid(key, "must be true or false, not '" + value + "'");
            }
            return Boolean.parseBoolean(value);
        }

        int positive(String key) {
            long value = positiveLong(key);
            if (value > Integer.MAX_VALUE) {
                throw invalid(key, "must be at most " + Integer.MAX_VALUE + ", not '" + value + "'");
            }
            return (int) value;
        }

        long positiveLong(String key) {
            String value = text(key);
            try {
                long number = Long.parseLong(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw invalid(key, "must be a positive whole number, not '" + value + "'");
        }

        int zeroOrMore(String key) {
            return text(key).equals("0") ? 0 : positive(key);
        }

        int percent(String key) {
            int value = positive(key);
            if (value > 100) {
                throw invalid(key, "must be a percentage from 1 to 100, not '" + value + "'");
            }
            return value;
        }

        Duration duration(String key) {
            String value = text(key);
            try {
                return Durations.parse(key, value);
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage().substring(key.length() + 1));
            }
        }

        CorsPolicy corsPolicy(String key) {
            String value = text(key);
            try {
                return CorsPolicy.of(value);
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        IllegalArgumentException invalid(String key, String problem) {
            return new IllegalArgumentException(key + " (" + SettingValues.environmentVariable(key) + ") " + problem);
        }
    }
}
