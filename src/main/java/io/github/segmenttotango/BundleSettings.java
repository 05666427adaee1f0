package io.github.segmenttotango;

import io.github.segmenttotango.ingest.CorsPolicy;
import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.mapping.MappingSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every setting of the bundle, read once at start and checked: a missing or malformed one stops
 * the start with a message that names it and its environment variable.
 */
public record BundleSettings(String serviceId, String totangoUrl, String apiToken, MappingSettings mapping,
        String writeKeys, IngestLimits limits, Path dataDir, Path inboxDir, boolean inboxDoneMarker, long queueMaxBytes, int queueMaxDiskUsage, long minFreeDisk, int httpMaxConnections,
        long maxBacklog, int routingBatchEvents, String dedupStore,
        Duration groupContextTtl, long groupContextMaxEntries,
        Duration deadLetterRetention, long deadLetterMaxBytes,
        Map<String, Duration> durations, CorsPolicy cors, Delivery delivery) {

    /**
     * How calls go to Totango: at most {@code maxInFlight} waiting for an answer at once, at most
     * {@code maxCallsPerSecond} started per second (0: no rate), and {@code readAheadBytes} of the
     * delivery queue held in memory so that many users' calls are in flight together.
     */
    public record Delivery(int maxInFlight, int maxCallsPerSecond, long readAheadBytes) {
    }

    /** The duration settings the routes use, with their defaults. */
    static final Map<String, String> ROUTE_DURATIONS = Map.ofEntries(
            Map.entry("totango.connect-timeout", "5s"),
            Map.entry("totango.response-timeout", "10s"),
            Map.entry("ingest.retry.initial-delay", "1s"),
            Map.entry("ingest.retry.max-delay", "1m"),
            Map.entry("delivery.retry.initial-delay", "1s"),
            Map.entry("delivery.retry.max-delay", "5m"),
            Map.entry("delivery.retry.window", "4h"),
            Map.entry("delivery.park-window", "24h"),
            Map.entry("delivery.park-check-interval", "1m"),
            Map.entry("delivery.stop-grace", "2s"),
            Map.entry("inbox.settle-time", "2s"),
            Map.entry("inbox.lock-timeout", "10s"),
            Map.entry("segment.request-timeout", "30s"),
            Map.entry("segment.http.header-timeout", "10s"),
            Map.entry("segment.http.idle-timeout", "60s"),
            Map.entry("segment.dedup-window", "24h"));

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
        String region = read.text("totango.region", "us").toLowerCase(Locale.ROOT);
        if (!REGION_URLS.containsKey(region)) {
            throw read.invalid("totango.region", "must be us or eu, not '" + region + "'");
        }
        String url = read.text("totango.url", REGION_URLS.get(region));
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw read.invalid("totango.url", "must be an http:// or https:// URL");
        }
        MappingSettings mapping = new MappingSettings(read.text("totango.default-plan", ""),
                read.bool("totango.track-named-pages", true), read.bool("totango.track-categorized-pages", true),
                read.bool("totango.disable-heartbeat", false), read.text("totango.product-account-separator", "__"),
                read.bool("totango.track-module-from-last-page", false));
        int maxRequestBytes = read.positive("segment.limits.max-request-bytes", 512_000);
        IngestLimits limits = new IngestLimits(maxRequestBytes,
                read.positive("segment.limits.max-event-bytes", 32_768), read.positive("segment.limits.max-batch-events", 2500),
                read.positive("segment.limits.max-depth", 32), maxRequestBytes,
                read.positive("segment.limits.max-number-length", 100));
        if (!read.text("ingest.queue-uri", "jms:queue:segment-events").startsWith("jms:")) {
            throw read.invalid("ingest.queue-uri", "must be a jms: queue (the embedded broker): the reader of events needs its transactions");
        }
        String dedupStore = read.text("segment.dedup-store", DEDUP_IN_ROCKSDB).toLowerCase(Locale.ROOT);
        if (!dedupStore.equals(DEDUP_IN_ROCKSDB) && !dedupStore.equals(DEDUP_IN_STATE_DATABASE)) {
            throw read.invalid("segment.dedup-store", "must be " + DEDUP_IN_ROCKSDB + " or " + DEDUP_IN_STATE_DATABASE + ", not '" + dedupStore + "'");
        }
        Path dataDir = writableFolder(read, "bridge.data-dir", "data");
        Path inboxDir = writableFolder(read, "inbox.dir", dataDir.resolve("inbox").toString());
        return new BundleSettings(serviceId, url, read.text("totango.api-token", ""), mapping,
                read.text("segment.write-keys", ""), limits, dataDir, inboxDir, read.bool("inbox.done-marker", false),
                read.positiveLong("delivery.queue.max-bytes", 1L << 30), read.percent("delivery.queue.max-disk-usage", 90),
                read.positiveLong("bridge.min-free-disk", 512L << 20), read.positive("segment.http.max-connections", 10_000),
                read.positiveLong("delivery.max-backlog", 1_000_000), read.positive("ingest.routing-batch-events", 5000),
                dedupStore,
                read.duration("bridge.group-context.ttl", "30d"), read.positive("bridge.group-context.max-entries", 1_000_000),
                read.duration("bridge.dead-letter.retention", "30d"),
                read.positiveLong("bridge.dead-letter.max-bytes", shareOfDisk(dataDir, 10)),
                routeDurations(read), read.corsPolicy("segment.cors.allowed-origins", "*"),
                new Delivery(read.positive("totango.max-in-flight", 512), read.zeroOrMore("totango.max-calls-per-second", 0),
                        read.positiveLong("delivery.read-ahead-bytes", 32L << 20)));
    }

    private static Map<String, Duration> routeDurations(Reader read) {
        Map<String, Duration> durations = new TreeMap<>();
        ROUTE_DURATIONS.forEach((key, fallback) -> durations.put(key, read.duration(key, fallback)));
        return durations;
    }

    /** The effective settings in one line for the start-up log; secrets are masked, keys only counted. */
    public String describe() {
        long keys = writeKeys.isBlank() ? 0 : java.util.Arrays.stream(writeKeys.split(",")).filter(k -> !k.isBlank()).count();
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
                + " ingest.routing-batch-events=" + routingBatchEvents + " delivery.max-backlog=" + maxBacklog + " delivery.queue.max-bytes=" + queueMaxBytes + " delivery.queue.max-disk-usage=" + queueMaxDiskUsage
                + " bridge.min-free-disk=" + minFreeDisk + " segment.http.max-connections=" + httpMaxConnections
                + " bridge.data-dir=" + dataDir + " inbox.dir=" + inboxDir + " inbox.done-marker=" + inboxDoneMarker + " bridge.group-context.ttl=" + groupContextTtl
                + " bridge.group-context.max-entries=" + groupContextMaxEntries
                + " bridge.dead-letter.retention=" + deadLetterRetention + " bridge.dead-letter.max-bytes=" + deadLetterMaxBytes
                + " durations=" + durations;
    }

    /** A share (percent) of the size of the disk that holds a folder; 1 GiB when the disk cannot tell. */
    static long shareOfDisk(Path folder, int percent) {
        try {
            return Math.max(1, Files.getFileStore(folder).getTotalSpace() / 100 * percent);
        } catch (java.io.IOException unknown) {
            return 1L << 30;
        }
    }

    private static Path writableFolder(Reader read, String key, String fallback) {
        Path folder = Path.of(read.text(key, fallback)).toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
            Path probe = Files.createTempFile(folder, ".probe", ".tmp");
            Files.delete(probe);
        } catch (Exception e) {
            throw read.invalid(key, "must be a writable folder; " + folder + " is not (" + e.getClass().getSimpleName() + ")");
        }
        return folder;
    }

    /** The environment variable that overrides a setting: upper case, dots and dashes as underscores. */
    public static String environmentVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private record Reader(Function<String, String> setting) {

        String text(String key, String fallback) {
            String value = setting.apply(key);
            return value == null || value.isBlank() ? fallback : value.trim();
        }

        String required(String key, String what) {
            String value = text(key, null);
            if (value == null) {
                throw new IllegalArgumentException(key + " is required: set " + environmentVariable(key)
                        + " or " + key + " in config/application.properties to " + what);
            }
            return value;
        }

        boolean bool(String key, boolean fallback) {
            String value = text(key, String.valueOf(fallback)).toLowerCase(Locale.ROOT);
            if (!value.equals("true") && !value.equals("false")) {
                throw invalid(key, "must be true or false, not '" + value + "'");
            }
            return Boolean.parseBoolean(value);
        }

        int positive(String key, int fallback) {
            long value = positiveLong(key, fallback);
            if (value > Integer.MAX_VALUE) {
                throw invalid(key, "must be at most " + Integer.MAX_VALUE + ", not '" + value + "'");
            }
            return (int) value;
        }

        long positiveLong(String key, long fallback) {
            String value = text(key, String.valueOf(fallback));
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

        int zeroOrMore(String key, int fallback) {
            String value = text(key, String.valueOf(fallback));
            return value.equals("0") ? 0 : positive(key, fallback);
        }

        int percent(String key, int fallback) {
            int value = positive(key, fallback);
            if (value > 100) {
                throw invalid(key, "must be a percentage from 1 to 100, not '" + value + "'");
            }
            return value;
        }

        Duration duration(String key, String fallback) {
            try {
                return Durations.parse(key, text(key, fallback));
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage().substring(key.length() + 1));
            }
        }

        CorsPolicy corsPolicy(String key, String fallback) {
            try {
                return CorsPolicy.of(text(key, fallback));
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        IllegalArgumentException invalid(String key, String problem) {
            return new IllegalArgumentException(key + " (" + environmentVariable(key) + ") " + problem);
        }
    }
}
