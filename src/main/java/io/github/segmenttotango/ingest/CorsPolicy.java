package io.github.segmenttotango.ingest;

import io.github.segmenttotango.util.SettingValues;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which web pages may call the Tracking API from a browser (CORS), from
 * {@code segment.cors.allowed-origins}: {@code *} (any page: a browser's write key is public) or a
 * list of origins. An allowed origin is answered with itself (never {@code *}) and no credentials.
 */
public final class CorsPolicy {

    /** What a browser page may send besides the safelisted headers; more are granted when it asks. */
    static final String BASE_HEADERS = "authorization, content-type, content-encoding, x-retry-count";
    private static final int MAX_ORIGIN_LENGTH = 300;
    private static final int MAX_EXTRA_HEADERS = 16;
    private static final int MAX_HEADER_NAME_LENGTH = 64;
    /** An origin as browsers send it: scheme://host[:port], or "null" (a sandboxed frame, a file). */
    private static final Pattern ORIGIN = Pattern.compile("[a-z][a-z0-9+.-]*://[^\\s/?#@]+|null");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]+");

    private final boolean anyOrigin;
    private final Set<String> origins;

    private CorsPolicy(boolean anyOrigin, Set<String> origins) {
        this.anyOrigin = anyOrigin;
        this.origins = origins;
    }

    /** Reads the setting: {@code *}, or comma-separated origins; throws naming the first malformed one. */
    public static CorsPolicy of(String setting) {
        String value = setting == null ? "" : setting.trim();
        if (value.equals("*")) {
            return new CorsPolicy(true, Set.of());
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String entry : SettingValues.list(value)) {
            String origin = entry.toLowerCase(Locale.ROOT);
            if (origin.equals("*") || origin.equals("null") || !ORIGIN.matcher(origin).matches()) {
                throw new IllegalArgumentException("must be * or a list of origins (scheme://host[:port], no path), not '"
                        + entry + "'");
            }
            origins.add(origin);
        }
        if (origins.isEmpty()) {
            throw new IllegalArgumentException("must be * or a list of origins, not empty");
        }
        return new CorsPolicy(false, Collections.unmodifiableSet(origins));
    }

    /** Whether a page of this origin (the request's {@code Origin} header) may call and read the Tracking API. */
    public boolean allows(String origin) {
        if (origin == null || origin.length() > MAX_ORIGIN_LENGTH) {
            return false;
        }
        String normalized = origin.trim().toLowerCase(Locale.ROOT);
        return ORIGIN.matcher(normalized).matches() && (anyOrigin || origins.contains(normalized));
    }

    /**
     * The {@code Access-Control-Allow-Headers} of a preflight: the headers Segment's browser library
     * sends, and those the page asks for ({@code Access-Control-Request-Headers}) that are header
     * names, a few at most. The routes pass on no inbound header, so granting one costs nothing.
     */
    public String allowedHeaders(String requested) {
        Set<String> names = new LinkedHashSet<>(Set.of(BASE_HEADERS.split(", ")));
        StringBuilder answer = new StringBuilder(BASE_HEADERS);
        if (requested != null && requested.length() <= MAX_EXTRA_HEADERS * (MAX_HEADER_NAME_LENGTH + 2)) {
            int extra = 0;
            for (String name : requested.split(",")) {
                String header = name.trim().toLowerCase(Locale.ROOT);
                if (extra < MAX_EXTRA_HEADERS && header.length() <= MAX_HEADER_NAME_LENGTH
                        && HEADER_NAME.matcher(header).matches() && names.add(header)) {
                    answer.append(", ").append(header);
                    extra++;
                }
            }
        }
        return answer.toString();
    }

    @Override
    public String toString() {
        return anyOrigin ? "*" : String.join(",", origins);
    }
}
