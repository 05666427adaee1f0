package io.github.segmenttotango.delivery;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.component.http.HttpEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.hc.core5.io.CloseMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * A stop does not wait on Totango: the calls in flight when the bundle starts stopping get
 * {@code grace} to be answered; then the connections to Totango close at once, so the calls still
 * waiting for an answer fail (and those started later fail at once), and their delivery messages go
 * back to the delivery queue ({@link PutBackOnStop}). Without it, a Totango that does not answer would
 * hold the stop for {@code totango.response-timeout} per call.
 */
public final class CutCallsOnStop extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(CutCallsOnStop.class);

    private final CamelContext context;
    private final Duration grace;

    public CutCallsOnStop(CamelContext context, Duration grace) {
        this.context = context;
        this.grace = grace;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Thread cut = new Thread(() -> {
            try {
                Thread.sleep(grace.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            closeConnectionsToTotango();
        }, "cut-totango-calls-on-stop");
        cut.setDaemon(true);
        cut.start();
    }

    /** Closes the connections of every HTTP endpoint (only Totango's are used), those in use too. */
    void closeConnectionsToTotango() {
        int closed = 0;
        for (Endpoint endpoint : context.getEndpoints()) {
            if (endpoint instanceof HttpEndpoint http && http.getClientConnectionManager() != null) {
                http.getClientConnectionManager().close(CloseMode.IMMEDIATE);
                closed++;
            }
        }
        if (closed > 0) {
            LOG.debug("Stopping: the connections to Totango are closed, {} after the stop began", grace);
        }
    }
}
