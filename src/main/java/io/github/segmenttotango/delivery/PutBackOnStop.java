package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A stop does not wait for Totango: a call that fails while the bundle stops, or that waits for its
 * retry when the stop comes, is neither retried nor kept as a dead letter; its delivery message is
 * rolled back onto the delivery queue, whole and in its place, and delivered after the restart (the
 * calls of the message delivered before it are sent again then).
 */
public final class PutBackOnStop {

    private static final Logger LOG = LoggerFactory.getLogger(PutBackOnStop.class);
    private static final int MAX_ID_CHARS = 100;

    private PutBackOnStop() {
    }

    /** Whether the bundle is stopping (its routes are being shut down). */
    public static boolean isStopping(CamelContext context) {
        return context.isStopping() || context.isStopped();
    }

    /** Logs, in one line, the call of a delivery message that goes back to the queue (the exchange's failure). */
    public static void log(Exchange exchange) {
        List<?> calls = exchange.getMessage().getBody(List.class);
        // the split's failure names the copy of the exchange that carried the call (in a doCatch, a property)
        Exception failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Exchange failedCall = failure instanceof CamelExchangeException split ? split.getExchange() : null;
        Integer index = failedCall == null ? null : failedCall.getProperty(Exchange.SPLIT_INDEX, Integer.class);
        TotangoCall call = index != null && calls != null && index < calls.size() && calls.get(index) instanceof TotangoCall c ? c : null;
        int attempts = failedCall == null ? 0 : failedCall.getProperty(PrepareRetry.ATTEMPTS, 0, Integer.class);
        LOG.info("Stopping: Totango call {} of {} of a delivery message (messageId={}, {} attempt(s) so far) goes back to the"
                + " delivery queue with its message; it is sent after the restart",
                index == null ? "?" : index + 1, calls == null ? "?" : calls.size(),
                call == null ? "?" : oneLine(call.messageId()), attempts);
    }

    /** A value from input, fit for one log line: control and line-separator characters as '?', at most 100 characters. */
    static String oneLine(String value) {
        if (value == null) {
            return "(none)";
        }
        StringBuilder line = new StringBuilder(Math.min(value.length(), MAX_ID_CHARS));
        for (int i = 0; i < value.length() && line.length() < MAX_ID_CHARS; i++) {
            char c = value.charAt(i);
            line.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return value.length() > MAX_ID_CHARS ? line + "..." : line.toString();
    }
}
