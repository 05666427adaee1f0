package io.github.segmenttotango.admin;

import io.github.segmenttotango.ingest.IngestException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Guards the admin API: off (404) unless {@code bridge.admin-token} is set, then only for
 * {@code Authorization: Bearer <token>}, compared in constant time.
 */
public final class AdminAccess {

    private final byte[] token;

    public AdminAccess(String token) {
        this.token = token == null || token.isBlank() ? null : token.trim().getBytes(StandardCharsets.UTF_8);
    }

    public boolean enabled() {
        return token != null;
    }

    public void check(String authorization) {
        if (token == null) {
            throw new IngestException(404, "admin_disabled", "The admin API is off: set bridge.admin-token (BRIDGE_ADMIN_TOKEN) to turn it on");
        }
        String given = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new IngestException(401, "unauthorized", "The admin API needs Authorization: Bearer <bridge.admin-token>");
        }
    }
}
