package io.github.segmenttotango.inbox;

/** A dropped file that cannot be read at all: it goes to the error folder with this reason. */
public class InboxFileException extends RuntimeException {

    public InboxFileException(String message, Throwable cause) {
        super(message, cause);
    }

    public InboxFileException(String message) {
        super(message);
    }
}
