package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A stop does not wait for Totango: a call that fails while the bundle stops, or that waits for its
 * retry when the stop comes, is neither retried nor kept as a dead letter; the calls of its message
 * after it are not sent, and the message is rolled back onto the delivery queue, whole and in its
 * place, to be delivered after the restart (the calls of the message delivered before it are sent
 * again then).
 *
 * <p>As the split's aggregation strategy, it notes the first call of a message that failed (a
 * failure not handled by the delivery route: a dead letter is handled) in the message's {@link Cut},
 * the exchange property {@code putBack} that the split's copies share, and makes that failure the
 * message's.
 */
public final class PutBackOnStop implements AggregationStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(PutBackOnStop.class);
    private static final String CUT = "putBack";
    private static final int MAX_ID_CHARS = 100;

    /** The first call of a delivery message that failed, if one did. */
    public static final class Cut {
        private volatile int index = -1;
        private volatile String messageId;
        private volatile int attempts;
        private volatile int calls;

        /** Whether no call of the message failed so far (the next one may be sent). */
        public boolean isOpen() {
            return index < 0;
        }
    }

    /** A new cut for a message of calls (the routes set it as the exchange property {@code putBack} before the split). */
    public static Cut watch(@Body List<?> calls) {
        Cut cut = new Cut();
        cut.calls = calls == null ? 0 : calls.size();
        return cut;
    }

    /** Whether the next call of the message may be sent: none of its calls failed so far. */
    public static boolean isOpen(@ExchangeProperty(CUT) Cut cut) {
        return cut == null || cut.isOpen();
    }

    /** Whether the bundle is stopping (its routes are being shut down). */
    public static boolean isStopping(CamelContext context) {
        return context.isStopping() || context.isStopped();
    }

    @Override
    public Exchange aggregate(Exchange done, Exchange call) {
        Cut cut = call.getProperty(CUT, Cut.class);
        if (call.getException() != null && cut != null && cut.isOpen()) {
            TotangoCall failed = call.getProperty("totangoCall", TotangoCall.class);
            cut.messageId = failed == null ? null : failed.messageId();
            cut.attempts = call.getProperty(PrepareRetry.ATTEMPTS, 0, Integer.class);
            cut.index = call.getProperty(Exchange.SPLIT_INDEX, 0, Integer.class);
        }
        // the first failure stays the message's
        return done != null && done.getException() != null ? done : call;
    }

    /** Logs, in one line, the call of a delivery message that goes back to the queue with its message. */
    public static void log(@ExchangeProperty(CUT) Cut cut) {
        boolean known = cut != null && !cut.isOpen();
        LOG.info("Stopping: Totango call {} of {} of a delivery message (messageId={}, {} attempt(s) so far) goes back to the"
                + " delivery queue with its message; it is sent after the restart",
                known ? cut.index + 1 : "?", known ? cut.calls : "?", known ? oneLine(cut.messageId) : "?",
                known ? cut.attempts : 0);
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
