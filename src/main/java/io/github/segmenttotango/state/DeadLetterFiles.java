package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters as files, one JSON document each, in {@code <data-dir>/dead-letter}: durable
 * (written to a temporary file, forced to disk, then moved in place), readable with any tool, and
 * removed by deleting the file. An index in the state database ({@link DeadLetterIndex}) lets the
 * admin API list, filter and replay a page at a time, whatever the number of letters: no request
 * reads more files than its page. Letters older than the retention are dropped.
 */
public final class DeadLetterFiles implements DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterFiles.class);
    private static final int EXPIRE_CHUNK = 1000;

    private final Path folder;
    private final ObjectMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private final Clock clock;
    private final DeadLetterIndex index;
    private final Duration retention;
    /** The bytes of the letters in the index, kept up to date as letters come and go. */
    private final AtomicLong bytes = new AtomicLong();

    public DeadLetterFiles(Path folder, DataSource index, Duration retention, Clock clock) {
        this.folder = folder;
        this.clock = clock;
        this.index = new DeadLetterIndex(index);
        this.retention = retention;
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create the dead-letter folder " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Creates the index and brings it up to date with the folder (letters written before it, or by hand). */
    public DeadLetterFiles open() {
        index.create();
        int added = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.json")) {
            for (Path file : files) {
                String id = idOf(file);
                if (id != null && !index.contains(id)) {
                    try {
                        DeadLetter letter = json.readValue(file.toFile(), DeadLetter.class);
                        index.put(letter, Files.size(file), keptAt(letter, file));
                        added++;
                    } catch (IOException unreadable) {
                        LOG.warn("Dead letter file {} cannot be read and is left out of the admin API ({})", file.getFileName(),
                                unreadable.getClass().getSimpleName());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the dead-letter folder " + folder + ": " + e.getMessage(), e);
        }
        bytes.set(index.bytes());
        if (added > 0) {
            LOG.info("Indexed {} dead letters found in {}", added, folder);
        }
        return this;
    }

    @Override
    public void write(DeadLetter letter) {
        Path target = folder.resolve(letter.id() + ".json");
        Path temporary = folder.resolve(letter.id() + ".json.tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(json.writeValueAsBytes(letter)));
            channel.force(true);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write dead letter " + target + ": " + e.getMessage(), e);
        }
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            long size = Files.size(target);
            index.put(letter, size, clock.millis());
            bytes.addAndGet(size);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write dead letter " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public DeadLetter load(String id) {
        if (!validId(id)) {
            return null;
        }
        Path file = folder.resolve(id + ".json");
        try {
            return json.readValue(file.toFile(), DeadLetter.class);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                unindex(id);
                return null;
            }
            throw new IllegalStateException("Cannot read dead letter " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String id) {
        if (!validId(id)) {
            return false;
        }
        try {
            boolean deleted = Files.deleteIfExists(folder.resolve(id + ".json"));
            unindex(id);
            return deleted;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot delete dead letter " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Page page(String reason, long offset, int limit) {
        return page(reason, null, null, offset, limit);
    }

    @Override
    public Page page(String reason, Long since, Long until, long offset, int limit) {
        DeadLetterIndex.Filter filter = new DeadLetterIndex.Filter(reason == null || reason.isBlank() ? null : reason, since, until);
        long total = index.count(filter);
        List<DeadLetter> items = new ArrayList<>();
        for (String id : index.ids(filter, offset, limit)) {
            DeadLetter letter = load(id);
            if (letter != null) {
                items.add(letter);
            }
        }
        return new Page(total, items);
    }

    @Override
    public List<String> ids(String reason, long offset, int limit) {
        return index.ids(new DeadLetterIndex.Filter(reason, null, null), offset, limit);
    }

    /** Drops the records older than the retention, a thousand at a time. */
    @Override
    public int expire() {
        long before = clock.millis() - retention.toMillis();
        int dropped = 0;
        List<String> old;
        do {
            old = index.keptBefore(before, EXPIRE_CHUNK);
            old.forEach(this::delete);
            dropped += old.size();
        } while (old.size() == EXPIRE_CHUNK);
        if (dropped > 0) {
            LOG.info("Dropped {} dead letters older than bridge.dead-letter.retention ({})", dropped, retention);
        }
        return dropped;
    }

    @Override
    public long bytes() {
        return bytes.get();
    }

    private void unindex(String id) {
        Long size = index.remove(id);
        if (size != null) {
            bytes.addAndGet(-size);
        }
    }

    /** When a letter was kept: its last failure time, else its file's modification time. */
    private static long keptAt(DeadLetter letter, Path file) throws IOException {
        try {
            return Instant.parse(letter.lastFailureAt()).toEpochMilli();
        } catch (RuntimeException noTime) {
            return Files.getLastModifiedTime(file).toMillis();
        }
    }

    static boolean validId(String id) {
        return id != null && id.matches("[0-9A-Za-z-]{1,64}");
    }

    private static String idOf(Path file) {
        String name = file.getFileName().toString();
        String id = name.substring(0, name.length() - ".json".length());
        return validId(id) ? id : null;
    }
}
