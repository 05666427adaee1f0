package io.github.segmenttotango.ingest;

import io.github.segmenttotango.util.SettingValues;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/**
 * The Segment write keys the bundle accepts, compared in constant time. With no key configured any
 * non-empty key is accepted (a warning says so at start); a request without a key is always refused.
 * Keys are never logged nor echoed.
 */
public final class WriteKeys {

    private final List<byte[]> keys;

    public WriteKeys(String commaSeparated) {
        this.keys = SettingValues.list(commaSeparated).stream()
                .map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public boolean open() {
        return keys.isEmpty();
    }

    /** The write key of an {@code Authorization: Basic base64(writeKey:)} header (colon optional), or null. */
    public static String fromAuthorization(String header) {
        if (header == null || header.length() < 6 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException notBase64) {
            throw new IngestException(401, "invalid_authorization", "Authorization is not valid HTTP Basic (base64 of writeKey:)");
        }
        String userPass = new String(decoded, StandardCharsets.UTF_8);
        int colon = userPass.indexOf(':');
        String key = colon >= 0 ? userPass.substring(0, colon) : userPass;
        return key.isEmpty() ? null : key;
    }

    /** Refuses a missing or unknown key with a 401. */
    public void check(String key) {
        if (key == null || key.isEmpty()) {
            throw new IngestException(401, "missing_write_key",
                    "No write key: send it as the HTTP Basic user (base64 of writeKey:) or as writeKey in the body");
        }
        if (!accepts(key)) {
            throw new IngestException(401, "unknown_write_key", "The write key is not one this bundle accepts");
        }
    }

    boolean accepts(String key) {
        if (open()) {
            return true;
        }
        byte[] candidate = key.getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (byte[] known : keys) {
            found |= MessageDigest.isEqual(known, candidate);
        }
        return found;
    }
}
