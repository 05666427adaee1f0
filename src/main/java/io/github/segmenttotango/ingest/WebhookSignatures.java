package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.github.segmenttotango.util.SettingValues;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared secrets of Segment's Webhooks destinations ({@code segment.webhook-secrets}, several
 * while one is rotated) and the check of a request's {@code X-Signature}: the hex HMAC-SHA1 of what
 * Segment signed, compared in constant time against each secret. Secrets are never logged nor echoed.
 *
 * <p>What Segment signs is the JSON text it sends ({@code JSON.stringify} of the event): the body as
 * received; for a gzipped body, also its inflated JSON; and, with {@code segment.webhook-batch-signature=first-event},
 * for a batch that Segment's Webhooks (Actions) destination sends as a JSON array, the bytes of the
 * array's first element only (Segment signs the first event of a batch, not the whole body: the
 * events after it are then not authenticated).
 */
public final class WebhookSignatures {

    private static final String HMAC = "HmacSHA1";
    private static final JsonFactory JSON = new JsonFactory();

    /** {@code segment.webhook-batch-signature}: an array must be signed whole, or may be signed on its first event. */
    public static final String WHOLE = "whole";
    public static final String FIRST_EVENT = "first-event";

    private final List<SecretKeySpec> secrets;
    private final boolean firstEventSigns;

    /**
     * @param commaSeparated the secrets
     * @param batchSignature {@link #WHOLE} or {@link #FIRST_EVENT} (Segment's Webhooks (Actions) batching,
     *     which leaves the events after the first unauthenticated)
     */
    public WebhookSignatures(String commaSeparated, String batchSignature) {
        this.secrets = SettingValues.list(commaSeparated).stream()
                .map(secret -> new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC)).toList();
        String mode = batchSignature == null || batchSignature.isBlank() ? WHOLE : batchSignature.trim();
        if (!mode.equals(WHOLE) && !mode.equals(FIRST_EVENT)) {
            throw new IllegalArgumentException("segment.webhook-batch-signature (SEGMENT_WEBHOOK_BATCH_SIGNATURE) must be "
                    + WHOLE + " or " + FIRST_EVENT + ", not '" + SegmentRequestReader.truncate(mode, 40) + "'");
        }
        this.firstEventSigns = mode.equals(FIRST_EVENT);
    }

    /** Whether a batch sent as an array may be signed on its first event only. */
    public boolean firstEventSigns() {
        return firstEventSigns;
    }

    /** Whether POST /v1/webhook is on: at least one secret is set. */
    public boolean enabled() {
        return !secrets.isEmpty();
    }

    public int count() {
        return secrets.size();
    }

    /**
     * Refuses with 401 a request whose signature is missing or made with none of the secrets.
     *
     * @param signature the {@code X-Signature} header
     * @param received the body as received
     * @param json the body's JSON text (inflated when gzipped); asked only when the body as received
     *     is not what was signed, and may refuse the body (then the signature is wrong)
     */
    public void authenticate(String signature, byte[] received, Supplier<byte[]> json) {
        if (signature == null || signature.isBlank()) {
            throw new IngestException(401, "missing_signature",
                    "No X-Signature header: set the destination's shared secret to one of segment.webhook-secrets");
        }
        byte[] claimed;
        try {
            claimed = HexFormat.of().parseHex(signature.trim());
        } catch (IllegalArgumentException notHex) {
            throw invalid();
        }
        if (signs(claimed, received)) {
            return;
        }
        byte[] text;
        try {
            text = json.get();
        } catch (IngestException unreadable) {
            throw invalid();
        }
        if ((text != received && signs(claimed, text)) || (firstEventSigns && signs(claimed, firstElementOf(text)))) {
            return;
        }
        throw invalid();
    }

    private static IngestException invalid() {
        return new IngestException(401, "invalid_signature",
                "X-Signature is not the HMAC-SHA1 of the body with any of segment.webhook-secrets");
    }

    /** Whether one of the secrets makes this signature of the content; every secret is tried (constant time). */
    boolean signs(byte[] claimed, byte[] content) {
        if (content == null) {
            return false;
        }
        boolean found = false;
        for (SecretKeySpec secret : secrets) {
            found |= MessageDigest.isEqual(hmac(secret, content), claimed);
        }
        return found;
    }

    private static byte[] hmac(SecretKeySpec secret, byte[] content) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(secret);
            return mac.doFinal(content);
        } catch (GeneralSecurityException unavailable) {
            throw new IllegalStateException("HMAC-SHA1 is not available in this JVM", unavailable);
        }
    }

    /** The bytes of the first element of a JSON array, as sent; null when the text is not an array with one. */
    static byte[] firstElementOf(byte[] text) {
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            JsonToken first = parser.nextToken();
            if (first == null || first == JsonToken.END_ARRAY) {
                return null;
            }
            int start = (int) parser.currentTokenLocation().getByteOffset();
            parser.skipChildren();
            // a string's text is read lazily: read it, so the location is past its closing quote
            parser.finishToken();
            int end = (int) parser.currentLocation().getByteOffset();
            return start < 0 || end > text.length || end <= start ? null : Arrays.copyOfRange(text, start, end);
        } catch (IOException | RuntimeException notAnArray) {
            return null;
        }
    }
}
