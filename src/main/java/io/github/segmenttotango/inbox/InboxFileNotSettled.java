package io.github.segmenttotango.inbox;

/**
 * A dropped file still being written: it changed while or after it was read, or its last line is cut
 * in a young file. It stays in the inbox and is read again once it has settled.
 */
public class InboxFileNotSettled extends RuntimeException {

    public InboxFileNotSettled(String message) {
        super(message);
    }
}
