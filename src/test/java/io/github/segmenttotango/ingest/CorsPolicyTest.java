package io.github.segmenttotango.ingest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorsPolicyTest {

    @Test
    void anyOriginAllowsEveryWellFormedOrigin() {
        CorsPolicy any = CorsPolicy.of("*");
        assertTrue(any.allows("https://app.example.com"));
        assertTrue(any.allows("http://localhost:8081"));
        assertTrue(any.allows("null"), "a sandboxed frame or a file, as * allows in Segment's own API");
        assertFalse(any.allows(null), "no Origin: not a browser's cross-origin request");
        assertFalse(any.allows(""));
        assertFalse(any.allows("https://app.example.com/path"));
        assertFalse(any.allows("https://" + "a".repeat(300) + ".com"), "origins are bounded");
        assertEquals("*", any.toString());
    }

    @Test
    void aListAllowsItsOriginsOnlyWhateverTheCase() {
        CorsPolicy listed = CorsPolicy.of(" https://app.example.com , http://localhost:3000");
        assertTrue(listed.allows("https://app.example.com"));
        assertTrue(listed.allows("HTTPS://App.Example.com"));
        assertTrue(listed.allows("http://localhost:3000"));
        assertFalse(listed.allows("http://app.example.com"), "another scheme is another origin");
        assertFalse(listed.allows("https://app.example.com:8443"), "another port is another origin");
        assertFalse(listed.allows("https://evil.example.com"));
        assertFalse(listed.allows("null"));
        assertEquals("https://app.example.com,http://localhost:3000", listed.toString());
    }

    @Test
    void aMalformedSettingIsRefusedNamingTheEntry() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CorsPolicy.of("https://app.example.com/"))
                .getMessage().contains("'https://app.example.com/'"));
        assertThrows(IllegalArgumentException.class, () -> CorsPolicy.of("app.example.com"));
        assertThrows(IllegalArgumentException.class, () -> CorsPolicy.of("*,https://app.example.com"));
        assertThrows(IllegalArgumentException.class, () -> CorsPolicy.of("null"));
        assertThrows(IllegalArgumentException.class, () -> CorsPolicy.of(" , "));
    }

    @Test
    void aPreflightIsGrantedTheLibrarysHeadersAndTheHeaderNamesItAsksFor() {
        CorsPolicy any = CorsPolicy.of("*");
        assertEquals("authorization, content-type, content-encoding, x-retry-count", any.allowedHeaders(null));
        assertEquals("authorization, content-type, content-encoding, x-retry-count", any.allowedHeaders("Authorization"));
        assertEquals("authorization, content-type, content-encoding, x-retry-count, x-custom",
                any.allowedHeaders("authorization, X-Custom, bad header, x-custom, a\u00e9"));
        String many = String.join(",", java.util.stream.IntStream.range(0, 40).mapToObj(i -> "x-h" + i).toList());
        assertEquals(4 + 16, any.allowedHeaders(many).split(", ").length, "a few extra names at most");
        assertEquals(any.allowedHeaders(null), any.allowedHeaders("x".repeat(5000)), "a huge list is ignored");
    }
}
