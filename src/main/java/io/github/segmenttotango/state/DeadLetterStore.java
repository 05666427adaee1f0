package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

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
 * removed by deleting the file.
 */
public final class DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS").withZone(ZoneOffset.UTC);

    private final Path folder;
    private final ObjectMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private final Clock clock;
    private final BundleMetrics metrics;

    public DeadLetterStore(Path folder, Clock clock, BundleMetrics metrics) {
        this.folder = folder;
        this.clock = clock;
        this.metrics = metrics;
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create the dead-letter folder " + folder + ": " + e.getMessage(), e);
        }
    }

    public Path folder() {
        return folder;
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
        if (id == null || !id.matches("[0-9A-Za-z-]{1,64}")) {
            return false;
        }
        try {
            return Files.deleteIfExists(folder.resolve(id + ".json"));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot delete dead letter " + id + ": " + e.getMessage(), e);
        }
    }

    /** Every record, oldest first. */
    public List<DeadLetter> all() {
        try (Stream<Path> files = Files.list(folder)) {
            List<DeadLetter> letters = new ArrayList<>();
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                letters.add(json.readValue(file.toFile(), DeadLetter.class));
            }
            return letters;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the dead-letter folder " + folder + ": " + e.getMessage(), e);
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
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write dead letter " + target + ": " + e.getMessage(), e);
        }
    }
}
