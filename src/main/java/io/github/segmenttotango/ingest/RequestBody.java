package io.github.segmenttotango.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** The bytes of a Tracking API request's body: its content type checked, gzip inflated within the size limit. */
final class RequestBody {

    private RequestBody() {
    }

    /**
     * Segment's and RudderStack's servers read the body as JSON whatever the Content-Type says, and
     * clients rely on it (RudderStack's Node SDK sends {@code application/x-www-form-urlencoded},
     * analytics.js {@code text/plain}): so does this one. Only multipart is refused, as it cannot be a
     * JSON body.
     */
    static void checkContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/")) {
            throw new IngestException(415, "unsupported_media_type",
                    "Send the events as a JSON body (any Content-Type but multipart), not " + SegmentRequestReader.truncate(type, 80));
        }
    }

    /** The raw body as the HTTP server hands it over: bytes, or text for some content types. */
    static byte[] bytesOf(Object body) {
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof CharSequence text) {
            return text.toString().getBytes(StandardCharsets.UTF_8);
        }
        throw new IngestException(415, "unsupported_media_type", "The body must be JSON sent as application/json or text/plain");
    }

    static byte[] inflate(byte[] body, String contentEncoding, int maxBytes) {
        if (contentEncoding == null || contentEncoding.isBlank() || contentEncoding.equalsIgnoreCase("identity")) {
            return body;
        }
        if (!contentEncoding.trim().equalsIgnoreCase("gzip")) {
            throw new IngestException(415, "unsupported_content_encoding",
                    "Content-Encoding must be gzip or none, not " + SegmentRequestReader.truncate(contentEncoding, 40));
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(body.length * 4, maxBytes) + 1);
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                if (out.size() > maxBytes) {
                    throw tooLarge(maxBytes);
                }
            }
            return out.toByteArray();
        } catch (IOException corrupt) {
            throw IngestException.badRequest("invalid_gzip", "The body is not valid gzip: " + corrupt.getMessage());
        }
    }

    static IngestException tooLarge(int maxBytes) {
        return new IngestException(413, "request_too_large",
                "The request body is larger than " + maxBytes + " bytes (after gzip inflation)");
    }
}
