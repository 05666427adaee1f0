package io.github.segmenttotango.ingest;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * The route step that writes a request's accepted events (the body, an {@link AcceptedEvents}
 * message) to the events queue ({@code eventsQueue}). On Vert.x's event loop (the Tracking API's
 * route runs there, {@code ingest.event-loop-routes}) it does not wait: the write goes on, the thread
 * goes back to the other connections, and the route goes on, on the same event loop, once the events
 * are on disk (or with the queue's exception). On any other thread (the file drop, the webhook, the
 * admin API's replay) it waits, as a plain step.
 */
public final class WriteToEventsQueue extends AsyncProcessorSupport {

    private final EventsQueueWriter queue;

    public WriteToEventsQueue(EventsQueueWriter queue) {
        this.queue = queue;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        byte[] events;
        try {
            events = exchange.getMessage().getMandatoryBody(byte[].class);
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        Context eventLoop = Context.isOnEventLoopThread() ? Vertx.currentContext() : null;
        if (eventLoop == null) {
            try {
                queue.write(events);
            } catch (Exception e) {
                exchange.setException(e);
            }
            callback.done(true);
            return true;
        }
        queue.write(events, failure -> eventLoop.runOnContext(ignored -> {
            if (failure != null) {
                exchange.setException(failure);
            }
            callback.done(false);
        }));
        return false;
    }
}
