package io.github.segmenttotango.server;

import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

import java.util.Set;

/**
 * Camel's platform-http engine on Vert.x, whose consumers run the named routes on the event loop
 * ({@link EventLoopHttpConsumer}); bound as {@code platform-http-engine}, where Camel's component looks
 * for its engine first.
 */
public final class EventLoopHttpEngine extends VertxPlatformHttpEngine {

    private final Set<String> eventLoopRoutes;

    public EventLoopHttpEngine(Set<String> eventLoopRoutes) {
        this.eventLoopRoutes = Set.copyOf(eventLoopRoutes);
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new EventLoopHttpConsumer(endpoint, processor, getHandlers(),
                VertxPlatformHttpRouter.getRouterNameFromPort(getServerPort()), eventLoopRoutes);
    }
}
