package io.github.segmenttotango.queue;

import org.apache.camel.CamelContext;
import org.apache.camel.LoggingLevel;
import org.apache.camel.RollbackExchangeException;
import org.apache.camel.component.jms.DefaultSpringErrorHandler;
import org.apache.camel.component.jms.EndpointMessageListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ErrorHandler;

/**
 * What the queue's consumers log when a message goes back to its queue: a rollback a route asked for
 * (the {@code rollback} EIP, which the route has logged itself) at DEBUG; any other failure as Camel
 * does by default, a WARN with its stack trace.
 */
public final class QuietRollbacks implements ErrorHandler {

    private static final Logger LOG = LoggerFactory.getLogger(QuietRollbacks.class);

    private final ErrorHandler others;

    public QuietRollbacks(CamelContext context) {
        this.others = new DefaultSpringErrorHandler(context, EndpointMessageListener.class, LoggingLevel.WARN, true);
    }

    @Override
    public void handleError(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RollbackExchangeException) {
                LOG.debug("A delivery message went back to its queue: {}", cause.getMessage());
                return;
            }
        }
        others.handleError(failure);
    }
}
