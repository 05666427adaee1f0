package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.segmenttotango.delivery.TotangoAnswers;
import io.github.segmenttotango.inbox.InboxChunk;
import io.github.segmenttotango.inbox.InboxEvent;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.ingest.SegmentRequest;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.mapping.TotangoDates;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Dead letters as files, one JSON document each, in {@code <data-dir>/dead-letter}: durable
 * (written to a temporary file, forced to disk, then moved in place), readable with any tool, and
 * removed by deleting the file. An index in the state database (id, kind, reason, size, time) lets
 * the admin API list, filter and replay a page at a time, whatever the number of letters: no
 * request reads more files than its page. Letters older than the retention are dropped; past
 * {@code maxBytes}, a refused event is counted and logged but its body no longer kept (failed
 * Totango calls always are).
 */
public final class DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS").withZone(ZoneOffset.UTC);

    private final Path folder;
    private final ObjectMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private final Clock clock;
    private final BundleMetrics metrics;
    private final DataSource index;
    private final Duration retention;
    private final long maxBytes;
    /** The bytes of the letters in the index, kept up to date as letters come and go. */
    private final AtomicLong bytes = new AtomicLong();

    public DeadLetterStore(Path folder, Clock clock, BundleMetrics metrics, DataSource index, Duration retention, long maxBytes) {
        this.folder = folder;
        this.clock = clock;
        this.metrics = metrics;
        this.index = index;
        this.retention = retention;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create the dead-letter folder " + folder + ": " + e.getMessage(), e);
        }
    }

    public Path folder() {
        return folder;
    }

    /** Creates the index and brings it up to date with the folder (letters written before it, or by hand). */
    public void openIndex() {
        update(sql -> {
            try (Statement ddl = sql.createStatement()) {
                ddl.execute("CREATE TABLE IF NOT EXISTS dead_letter_index (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(8),"
                        + " reason VARCHAR(64) NOT NULL, bytes BIGINT NOT NULL, kept_at BIGINT NOT NULL)");
                ddl.execute("CREATE INDEX IF NOT EXISTS dead_letter_by_reason ON dead_letter_index (reason, id)");
            }
            return null;
        });
        int added = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.json")) {
            for (Path file : files) {
                String id = idOf(file);
                if (id != null && !indexed(id)) {
                    try {
                        DeadLetter letter = json.readValue(file.toFile(), DeadLetter.class);
                        index(letter, Files.size(file), keptAt(letter, file));
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
        bytes.set(update(sql -> {
            try (Statement sum = sql.createStatement(); ResultSet total = sum.executeQuery("SELECT COALESCE(SUM(bytes), 0) FROM dead_letter_index")) {
                total.next();
                return total.getLong(1);
            }
        }));
        if (added > 0) {
            LOG.info("Indexed {} dead letters found in {}", added, folder);
        }
    }

    /** Keeps one event that was refused or cannot be delivered; returns it with its id and time. */
    public DeadLetter keep(String reason, String detail, String messageId, String userId, String type, Object payload,
            Integer status, String response, Integer attempts, String source) {
        return keep(DeadLetter.EVENT, reason, detail, messageId, userId, type, payload, status, response, attempts, source, null);
    }

    private DeadLetter keep(String kind, String reason, String detail, String messageId, String userId, String type, Object payload,
            Integer status, String response, Integer attempts, String source, Long firstFailureMillis) {
        String now = TotangoDates.format(clock.instant());
        String first = firstFailureMillis == null ? now : TotangoDates.format(java.time.Instant.ofEpochMilli(firstFailureMillis));
        String id = ID_TIME.format(clock.instant()) + "-" + UUID.randomUUID().toString().substring(0, 8);
        if (DeadLetter.EVENT.equals(kind) && "invalid_event".equals(reason) && payload != null && bytes.get() >= maxBytes) {
            payload = null;
            detail = detail + " (body not kept: the dead letters take bridge.dead-letter.max-bytes, " + maxBytes + " bytes)";
        }
        DeadLetter letter = new DeadLetter(id, kind, reason, detail, messageId, userId, type, payload, status, response,
                attempts, first, now, source);
        write(letter);
        if (metrics != null) {
            metrics.deadLettered(reason, type);
        }
        LOG.warn("Dead letter {}: reason={} messageId={} type={} detail={}", id, reason, messageId, type, detail);
        return letter;
    }

    /** Keeps the events a request refused alone (reason {@code invalid_event}). */
    public void keepRejected(SegmentRequest request, String source) {
        for (SegmentRequest.RejectedEvent rejected : request.rejected()) {
            JsonNode event = rejected.event() instanceof JsonNode node ? node : null;
            keep(rejected.reason(), "event " + rejected.index() + ": " + rejected.detail(), rejected.messageId(),
                    event == null ? null : SegmentToTotango.userOf(event), event == null ? null : SegmentToTotango.text(event.get("type")),
                    refused(rejected.event()), null, null, null, source);
        }
    }

    /** What a dead letter keeps of a refused event: at most its first 32 KB, never a write key. */
    static final int MAX_REFUSED_BYTES = 32 * 1024;

    /**
     * A refused event as it is kept: without its {@code writeKey} (as valid events are), and when its
     * JSON text is over {@link #MAX_REFUSED_BYTES}, only that much of it, as text.
     */
    Object refused(Object event) {
        Object kept = event;
        if (event instanceof com.fasterxml.jackson.databind.node.ObjectNode object && object.has("writeKey")) {
            kept = object.deepCopy().without("writeKey");
        }
        String text;
        try {
            text = kept instanceof String raw ? raw : json.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(kept);
        } catch (IOException unwritable) {
            return null;
        }
        if (text.length() <= MAX_REFUSED_BYTES) {
            return kept;
        }
        return text.substring(0, MAX_REFUSED_BYTES);
    }

    /** Keeps the events of a dropped file that were refused alone. */
    public void keepRejectedFileEvents(InboxChunk chunk) {
        chunk.rejected().forEach(this::keepRejectedFileEvent);
    }

    /** Keeps an event of a dropped file that was refused alone (reason {@code invalid_event}). */
    public void keepRejectedFileEvent(InboxEvent rejected) {
        JsonNode event = rejected.payload();
        keep("invalid_event", rejected.problem(), event == null ? null : SegmentToTotango.messageIdOf(event),
                event == null ? null : SegmentToTotango.userOf(event), event == null ? null : SegmentToTotango.callType(event),
                refused(event != null ? event : rejected.raw()), null, null, null, "inbox:" + rejected.file());
    }

    /** Keeps a valid event that cannot be delivered now, such as one without an account. */
    public void keepEvent(JsonNode event, String reason, String detail) {
        keep(reason, detail, SegmentToTotango.text(event.get("messageId")), SegmentToTotango.userOf(event),
                SegmentToTotango.text(event.get("type")), event, null, null, null, null);
    }

    /** Keeps a message of the events queue that does not hold events (only a hand-made one can be). */
    public void keepUnreadableMessage(byte[] message, String detail) {
        String text = message == null ? "" : new String(message, StandardCharsets.UTF_8);
        keep("unreadable_message", detail, null, null, null, text, null, null, null, "events-queue");
    }

    /** Keeps a Totango call that failed for good, with Totango's answer when there was one. */
    public void keepFailedCall(TotangoCall call, Exception failure, Integer attempts, Long firstAttemptAt) {
        if (failure instanceof HttpOperationFailedException http) {
            boolean retryable = TotangoAnswers.isRetryable(http.getStatusCode());
            keep(DeadLetter.CALL, retryable ? "retries_exhausted" : "totango_4xx", "Totango answered " + http.getStatusCode(),
                    call.messageId(), call.userId(), null, call, http.getStatusCode(),
                    excerpt(http.getResponseBody()), attempts, null, firstAttemptAt);
        } else {
            keep(DeadLetter.CALL, "retries_exhausted", failure == null ? "unknown failure" : failure.getClass().getSimpleName() + ": "
                    + excerpt(failure.getMessage()), call.messageId(), call.userId(), null, call, null, null, attempts, null,
                    firstAttemptAt);
        }
    }

    private static String excerpt(String text) {
        return text == null || text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }

    /** Deletes one record; false when there is none with that id. */
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

    /** A page of records, oldest first, of one reason (all when null), and how many there are in all. */
    public record Page(long total, List<DeadLetter> items) {
    }

    public Page page(String reason, long offset, int limit) {
        return page(reason, null, null, offset, limit);
    }

    /**
     * A page of the records of one reason (all when null) kept from {@code since} (epoch millis,
     * inclusive; null: any) until {@code until} (exclusive; null: any), oldest first, and how many
     * there are in all.
     */
    public Page page(String reason, Long since, Long until, long offset, int limit) {
        String blankless = reason == null || reason.isBlank() ? null : reason;
        Filter filter = new Filter(blankless, since, until);
        long total = update(sql -> {
            try (PreparedStatement count = sql.prepareStatement("SELECT COUNT(*) FROM dead_letter_index" + filter.where())) {
                filter.bind(count);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
        List<DeadLetter> items = new ArrayList<>();
        for (String id : ids(filter, offset, limit)) {
            DeadLetter letter = load(id);
            if (letter != null) {
                items.add(letter);
            }
        }
        return new Page(total, items);
    }

    /** The ids of the records of one reason (all when null), oldest first: a page of them. */
    public List<String> ids(String reason, long offset, int limit) {
        return ids(new Filter(reason, null, null), offset, limit);
    }

    private List<String> ids(Filter filter, long offset, int limit) {
        return update(sql -> {
            try (PreparedStatement select = sql.prepareStatement("SELECT id FROM dead_letter_index"
                    + filter.where() + " ORDER BY id LIMIT ? OFFSET ?")) {
                int at = filter.bind(select);
                select.setInt(at++, limit);
                select.setLong(at, offset);
                List<String> ids = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    /** Which records a listing takes: a reason and a time span, each optional. */
    private record Filter(String reason, Long since, Long until) {

        String where() {
            List<String> terms = new ArrayList<>();
            if (reason != null) {
                terms.add("reason = ?");
            }
            if (since != null) {
                terms.add("kept_at >= ?");
            }
            if (until != null) {
                terms.add("kept_at < ?");
            }
            return terms.isEmpty() ? "" : " WHERE " + String.join(" AND ", terms);
        }

        /** Sets the parameters of {@link #where}; returns the index of the next one. */
        int bind(PreparedStatement statement) throws SQLException {
            int at = 1;
            if (reason != null) {
                statement.setString(at++, reason);
            }
            if (since != null) {
                statement.setLong(at++, since);
            }
            if (until != null) {
                statement.setLong(at++, until);
            }
            return at;
        }
    }

    /** One record; null when there is none (any more) with that id. */
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

    /** Drops the records older than the retention, a thousand at a time; returns how many. */
    public int expire() {
        long before = clock.millis() - retention.toMillis();
        int dropped = 0;
        while (true) {
            List<String> old = update(sql -> {
                try (PreparedStatement select = sql.prepareStatement("SELECT id FROM dead_letter_index WHERE kept_at < ? ORDER BY id LIMIT 1000")) {
                    select.setLong(1, before);
                    List<String> ids = new ArrayList<>();
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            ids.add(rows.getString(1));
                        }
                    }
                    return ids;
                }
            });
            old.forEach(this::delete);
            dropped += old.size();
            if (old.size() < 1000) {
                break;
            }
        }
        if (dropped > 0) {
            LOG.info("Dropped {} dead letters older than bridge.dead-letter.retention ({})", dropped, retention);
        }
        return dropped;
    }

    /** When a letter was kept: its last failure time, else its file's modification time. */
    private static long keptAt(DeadLetter letter, Path file) throws IOException {
        try {
            return java.time.Instant.parse(letter.lastFailureAt()).toEpochMilli();
        } catch (RuntimeException noTime) {
            return Files.getLastModifiedTime(file).toMillis();
        }
    }

    private static boolean validId(String id) {
        return id != null && id.matches("[0-9A-Za-z-]{1,64}");
    }

    private static String idOf(Path file) {
        String name = file.getFileName().toString();
        String id = name.substring(0, name.length() - ".json".length());
        return validId(id) ? id : null;
    }

    private boolean indexed(String id) {
        return update(sql -> {
            try (PreparedStatement select = sql.prepareStatement("SELECT 1 FROM dead_letter_index WHERE id = ?")) {
                select.setString(1, id);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    private void index(DeadLetter letter, long size, long keptAt) {
        update(sql -> {
            try (PreparedStatement insert = sql.prepareStatement(
                    "MERGE INTO dead_letter_index (id, kind, reason, bytes, kept_at) KEY (id) VALUES (?, ?, ?, ?, ?)")) {
                insert.setString(1, letter.id());
                insert.setString(2, letter.kind());
                insert.setString(3, letter.reason() == null ? "" : letter.reason());
                insert.setLong(4, size);
                insert.setLong(5, keptAt);
                insert.executeUpdate();
            }
            return null;
        });
        bytes.addAndGet(size);
    }

    private void unindex(String id) {
        Long size = update(sql -> {
            try (PreparedStatement select = sql.prepareStatement("SELECT bytes FROM dead_letter_index WHERE id = ?");
                    PreparedStatement delete = sql.prepareStatement("DELETE FROM dead_letter_index WHERE id = ?")) {
                select.setString(1, id);
                Long found = null;
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next()) {
                        found = rows.getLong(1);
                    }
                }
                delete.setString(1, id);
                delete.executeUpdate();
                return found;
            }
        });
        if (size != null) {
            bytes.addAndGet(-size);
        }
    }

    private interface Sql<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T update(Sql<T> work) {
        try (Connection connection = index.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("The dead-letter index in the state database failed: " + e.getMessage(), e);
        }
    }

    private void write(DeadLetter letter) {
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
            index(letter, Files.size(target), clock.millis());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write dead letter " + target + ": " + e.getMessage(), e);
        }
    }
}
