package io.github.segmenttotango.state;

import org.apache.camel.Service;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.Env;
import org.rocksdb.IndexType;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Priority;
import org.rocksdb.RocksDBException;
import org.rocksdb.TtlDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The messageIds seen within the dedup window in a RocksDB store of their own, in
 * {@code <data-dir>/dedup} ({@code segment.dedup-store=rocksdb}, the default).
 *
 * <p>Clients send random ids, so a dedup window is a large set of random keys, mostly looked up in
 * vain and written once: what a log-structured store is made for (Segment's own dedup runs on
 * RocksDB). A batch's new keys are appended to the store's write-ahead log and its memory table, and
 * sorted into files in the background; a look-up of a key never seen is answered by the files' Bloom
 * filters, mostly without reading them. Measured with batches of 5,000 random ids: about 15 ms a batch
 * (look-up and write) at 3 million ids and 27 ms at 10 million, where the table in H2 took 190 to 290
 * ms at 0.1 to 2 million and rewrote most of its pages with each batch (bench/README.md,
 * 2026-11-28).
 *
 * <p>Durability: a write returns once it is in the write-ahead log's file (the operating system's
 * cache, not forced to the disk), so a crash of the process loses nothing, as with the state
 * database's {@code WRITE_DELAY=0}. Memory: at most two memory tables of {@link #WRITE_BUFFER_BYTES}
 * and a block cache of {@link #CACHE_BYTES} for the files' indexes and filters, outside the heap.
 * Expiry: each key carries the time it was seen, and a key seen before the window counts as new; the
 * store drops such keys itself when it compacts its files ({@link TtlDB} with the window as its time
 * to live), so {@link #expire()} has nothing to do.
 */
public final class SeenMessageIdsRocksDb extends SeenMessageIds implements Service {

    static final long WRITE_BUFFER_BYTES = 4L << 20;
    static final long CACHE_BYTES = 8L << 20;

    private final Path folder;
    private final LRUCache cache;
    private final BloomFilter filter;
    private final Options options;
    private final WriteOptions writes;
    private final TtlDB db;
    /** Guards the store against a use after {@link #stop()}, which would crash the JVM, not throw. */
    private final ReadWriteLock open = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * Opens (or creates) the store in {@code folder}, RocksDB's native library unpacked into {@code libraryFolder}.
     *
     * @throws IllegalStateException when the store cannot be opened: the native library does not load
     *     on this machine, another process holds the folder, the folder cannot be written
     */
    public SeenMessageIdsRocksDb(Path folder, Path libraryFolder, Duration window, Clock clock) {
        super(window, clock);
        this.folder = folder;
        // TtlDB takes its time to live as an int of seconds; 0 or less would mean forever
        int ttlSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, window.toSeconds()));
        RocksDbLibrary.load(libraryFolder);
        // the store's flushes and compactions run behind ingest, like the reader they serve (BackgroundWork)
        Env.getDefault().lowerThreadPoolCPUPriority(Priority.LOW).lowerThreadPoolCPUPriority(Priority.HIGH);
        writes = new WriteOptions();
        cache = new LRUCache(CACHE_BYTES);
        filter = new BloomFilter(10);
        options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(WRITE_BUFFER_BYTES)
                .setMaxWriteBufferNumber(2)
                .setMaxBackgroundJobs(2)
                // the keys are hashes: there is nothing to compress
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                .setMaxLogFileSize(1L << 20)
                .setStatsDumpPeriodSec(0)
                // files whose keys all left the window are compacted (and the keys dropped) even when few new keys come
                .setTtl(ttlSeconds)
                // indexes and filters in the block cache, partitioned, so that memory stays bounded however many ids the window holds
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(cache)
                        .setFilterPolicy(filter)
                        .setCacheIndexAndFilterBlocks(true)
                        .setCacheIndexAndFilterBlocksWithHighPriority(true)
                        .setPinTopLevelIndexAndFilter(true)
                        .setPartitionFilters(true)
                        .setIndexType(IndexType.kTwoLevelIndexSearch)
                        .setMetadataBlockSize(4096));
        try {
            db = TtlDB.open(options, folder.toString(), ttlSeconds, false);
        } catch (RocksDBException e) {
            closeOptions();
            throw new IllegalStateException("Could not open the dedup store in " + folder + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected Set<UUID> seenSince(List<UUID> keys, long since) {
        List<byte[]> asBytes = new ArrayList<>(keys.size());
        for (UUID key : keys) {
            asBytes.add(bytesOf(key));
        }
        List<byte[]> times = whileOpen(() -> db.multiGetAsList(asBytes));
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            byte[] time = times.get(i);
            if (time != null && time.length == Long.BYTES && ByteBuffer.wrap(time).getLong() >= since) {
                seen.add(keys.get(i));
            }
        }
        return seen;
    }

    @Override
    protected void rememberAt(List<UUID> keys, long seenAt) {
        write(keys, Collections.nCopies(keys.size(), seenAt));
    }

    private void write(List<UUID> keys, List<Long> times) {
        if (keys.isEmpty()) {
            return;
        }
        whileOpen(() -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (int i = 0; i < keys.size(); i++) {
                    batch.put(bytesOf(keys.get(i)), ByteBuffer.allocate(Long.BYTES).putLong(times.get(i)).array());
                }
                db.write(writes, batch);
            }
            return null;
        });
    }

    /** Nothing to do: keys seen before the window count as new, and the store drops them as it compacts. */
    @Override
    public int expire() {
        return 0;
    }

    @Override
    public void start() {
        // opened by the constructor, so that a store that cannot open stops the start at once
    }

    /** Closes the store: its memory tables are written to its files, and its native memory freed. */
    @Override
    public void stop() {
        open.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                db.close();
                closeOptions();
            }
        } finally {
            open.writeLock().unlock();
        }
    }

    private void closeOptions() {
        writes.close();
        options.close();
        filter.close();
        cache.close();
    }

    private interface StoreCall<T> {
        T call() throws RocksDBException;
    }

    private <T> T whileOpen(StoreCall<T> call) {
        open.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("The dedup store in " + folder + " is closed");
            }
            return call.call();
        } catch (RocksDBException e) {
            throw new IllegalStateException("The dedup store in " + folder + " failed: " + e.getMessage(), e);
        } finally {
            open.readLock().unlock();
        }
    }

    private static byte[] bytesOf(UUID key) {
        return ByteBuffer.allocate(16).putLong(key.getMostSignificantBits()).putLong(key.getLeastSignificantBits()).array();
    }
}
