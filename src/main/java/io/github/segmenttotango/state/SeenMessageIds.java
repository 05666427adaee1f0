package io.github.segmenttotango.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.mapping.SegmentToTotango;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The Segment messageIds taken within the dedup window, so that a client sending a batch again
 * (after a timeout, say) gets it acknowledged without its events going to Totango twice.
 *
 * <p>Works a batch of events at a time: one look-up finds the ids already seen, and the new ones are
 * remembered only once their calls are on the delivery queue, so a request that failed can be sent
 * again and is not taken for a duplicate. Kept on disk, so it survives a restart: in a RocksDB store
 * of its own ({@link SeenMessageIdsRocksDb}, the default) or in a table of the state database
 * ({@link SeenMessageIdsTable}).
 *
 * <p>A messageId is kept as a 128-bit key, the first half of its SHA-256 ({@link #keyOf}): clients
 * send random ids (UUIDs) of 36 characters and more, and 16 bytes keep the store less than half as
 * large. Two ids sharing a key would make the second look seen; among a billion ids that happens with
 * a probability of about 10^-21.
 */
public abstract class SeenMessageIds {

    /** Ids longer than this are kept (in the parking) as their SHA-256, in hex after this prefix. */
    static final int MAX_ID_LENGTH = 200;
    private static final String HASHED = "sha256:";

    private final Duration window;
    private final Clock clock;

    protected SeenMessageIds(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    /**
     * The events whose messageId was not seen within the window, in order; an id repeated within
     * {@code events} counts once (its first event).
     */
    public List<ObjectNode> unseen(List<ObjectNode> events) {
        List<UUID> keys = new ArrayList<>(events.size());
        Set<UUID> distinct = new LinkedHashSet<>();
        for (ObjectNode event : events) {
            UUID key = keyOf(SegmentToTotango.messageIdOf(event));
            keys.add(key);
            if (key != null) {
                distinct.add(key);
            }
        }
        if (distinct.isEmpty()) {
            return events;
        }
        Set<UUID> seen = seenSince(new ArrayList<>(distinct), windowStart());
        List<ObjectNode> unseen = new ArrayList<>(events.size());
        Set<UUID> taken = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            UUID key = keys.get(i);
            if (key == null || (!seen.contains(key) && taken.add(key))) {
                unseen.add(events.get(i));
            }
        }
        return unseen;
    }

    /** Remembers the messageIds of events whose calls are now safely queued. */
    public void remember(List<ObjectNode> events) {
        if (events == null || events.isEmpty()) {
            return;
        }
        List<UUID> keys = new ArrayList<>(events.size());
        for (ObjectNode event : events) {
            UUID key = keyOf(SegmentToTotango.messageIdOf(event));
            if (key != null) {
                keys.add(key);
            }
        }
        if (!keys.isEmpty()) {
            rememberAt(keys, clock.millis());
        }
    }

    /** Forgets the ids seen before the window, where the store does not do so itself; returns how many went. */
    public abstract int expire();

    /** Of these keys, those remembered at {@code since} or later. */
    protected abstract Set<UUID> seenSince(List<UUID> keys, long since);

    /** Remembers the keys as seen at {@code seenAt} (epoch milliseconds); a key seen before takes the new time. */
    protected abstract void rememberAt(List<UUID> keys, long seenAt);

    /** The first instant of the window: ids seen before it are new again. */
    protected final long windowStart() {
        return clock.millis() - window.toMillis();
    }

    /** The key a messageId is kept under: the first 128 bits of its SHA-256 (UTF-8); null for none. */
    public static UUID keyOf(String messageId) {
        return messageId == null ? null : key(sha256(messageId));
    }

    private static UUID key(byte[] digest) {
        ByteBuffer bytes = ByteBuffer.wrap(digest);
        return new UUID(bytes.getLong(), bytes.getLong());
    }

    /**
     * A messageId as the parking keeps it: itself, or its SHA-256 when
     * longer than {@link #MAX_ID_LENGTH}; null for none.
     */
    static String storedId(String messageId) {
        if (messageId == null || messageId.length() <= MAX_ID_LENGTH) {
            return messageId;
        }
        return HASHED + HexFormat.of().formatHex(sha256(messageId));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
