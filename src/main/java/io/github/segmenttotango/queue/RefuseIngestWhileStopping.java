package io.github.segmenttotango.queue;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Once the bundle starts stopping (SIGTERM, or any stop), ingest answers 503 ({@link BacklogGuard#stopping()}):
 * what is accepted from then on would only wait in the queue for the next start.
 */
public final class RefuseIngestWhileStopping extends EventNotifierSupport {

    private final BacklogGuard backlog;

    public RefuseIngestWhileStopping(BacklogGuard backlog) {
        this.backlog = backlog;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        backlog.stopping();
    }
}
