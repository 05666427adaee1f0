package io.github.segmenttotango.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Whether the disk of the data folder (the queue's journal, the state database, dead letters) has
 * room: ingest refuses before it writes anything rather than hang in the broker, which blocks every
 * send once the disk is full. Full is below {@code minFreeBytes} usable, or at {@code maxUsagePercent}
 * used (the broker's own limit, {@code delivery.queue.max-disk-usage}, past which it blocks sends). The
 * answer is measured at most once per {@link #REFRESH_NANOS}, so asking costs nothing per request; one
 * WARN when the disk becomes full, one INFO when it has room again.
 */
public class DataDiskSpace {

    private static final Logger LOG = LoggerFactory.getLogger(DataDiskSpace.class);
    static final long REFRESH_NANOS = 1_000_000_000L;

    private final Path folder;
    private final FileStore disk;
    private final long minFreeBytes;
    private final int maxUsagePercent;
    private final LongSupplier nanoTime;
    private volatile long measuredAt;
    private volatile boolean measured;
    private volatile String full;

    public DataDiskSpace(Path folder, long minFreeBytes, int maxUsagePercent) {
        this(folder, minFreeBytes, maxUsagePercent, System::nanoTime);
    }

    DataDiskSpace(Path folder, long minFreeBytes, int maxUsagePercent, LongSupplier nanoTime) {
        this.folder = folder;
        try {
            this.disk = Files.getFileStore(folder);
        } catch (IOException e) {
            throw new IllegalArgumentException("bridge.data-dir (BRIDGE_DATA_DIR) " + folder + ": its disk cannot be measured: " + e.getMessage(), e);
        }
        this.minFreeBytes = minFreeBytes;
        this.maxUsagePercent = maxUsagePercent;
        this.nanoTime = nanoTime;
    }

    /** Why the data disk is full (free space and the limit it is under), or null while it has room. */
    public String full() {
        long now = nanoTime.getAsLong();
        if (!measured || now - measuredAt >= REFRESH_NANOS) {
            synchronized (this) {
                if (!measured || now - measuredAt >= REFRESH_NANOS) {
                    measure();
                    measuredAt = now;
                    measured = true;
                }
            }
        }
        return full;
    }

    private void measure() {
        String was = full;
        try {
            long usable = disk.getUsableSpace();
            long total = disk.getTotalSpace();
            long usedPercent = total <= 0 ? 0 : (total - usable) * 100 / total;
            if (usable < minFreeBytes) {
                full = "the data disk (" + folder + ") has " + megabytes(usable) + " free, under bridge.min-free-disk "
                        + megabytes(minFreeBytes);
            } else if (usedPercent >= maxUsagePercent) {
                full = "the data disk (" + folder + ") is " + usedPercent + "% used (" + megabytes(usable)
                        + " free), at delivery.queue.max-disk-usage " + maxUsagePercent + "%";
            } else {
                full = null;
            }
        } catch (IOException e) {
            full = "the data disk (" + folder + ") cannot be measured: " + e.getMessage();
        }
        if (was == null && full != null) {
            LOG.warn("Ingest paused: {}; HTTP ingest answers 503 disk_full and the file drop waits until space is freed", full);
        } else if (was != null && full == null) {
            LOG.info("Ingest resumed: the data disk ({}) has room again", folder);
        }
    }

    /** Bytes the bundle may still write on the data disk, measured now; -1 when the disk cannot tell. */
    public long usableBytes() {
        try {
            return disk.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The size of the data disk in bytes; -1 when the disk cannot tell. */
    public long totalBytes() {
        try {
            return disk.getTotalSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String megabytes(long bytes) {
        return (bytes >> 20) + " MB";
    }
}
