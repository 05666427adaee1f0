package io.github.segmenttotango.util;

/** The deepest cause of a failure: the one that names the setting or the resource at fault. */
public final class RootCause {

    private RootCause() {
    }

    /** The message of the deepest cause (its class name when it has none). */
    public static String messageOf(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
