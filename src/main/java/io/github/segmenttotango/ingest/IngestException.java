package io.github.segmenttotango.ingest;

/**
 * A request the Tracking API refuses, with the HTTP status and the {@code code} and
 * {@code message} of the JSON body the client gets.
 */
public class IngestException extends RuntimeException {

    private final int status;
    private final String code;

    public IngestException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static IngestException badRequest(String code, String message) {
        return new IngestException(400, code, message);
    }
}
