package io.github.segmenttotango.inbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the events of a file read and the rate every ten seconds, and a summary at the end. Kept rather
 * than Camel's throughput logger ({@code log:} with {@code groupInterval}), which counts exchanges (here
 * chunks of up to 100 events, of all files together) and cannot name the file nor sum it up at its end.
 */
final class ReadProgress {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFileReader.class);
    private static final long EVERY_NANOS = 10_000_000_000L;

    private final String file;
    private final long started = System.nanoTime();
    private long lastLog = started;
    private long count;

    ReadProgress(String file) {
        this.file = file;
    }

    void add() {
        count++;
        long now = System.nanoTime();
        if (now - lastLog >= EVERY_NANOS) {
            lastLog = now;
            LOG.info("Inbox file {}: {} events read, {} events/s", file, count, rate(now));
        }
    }

    /** The end of the file is reached (whether it is done is for {@link InboxFileReader#settled} to say). */
    void end() {
        LOG.info("Inbox file {}: end reached, {} events read, {} events/s", file, count, rate(System.nanoTime()));
    }

    private long rate(long now) {
        long nanos = Math.max(1, now - started);
        return count * 1_000_000_000L / nanos;
    }
}
