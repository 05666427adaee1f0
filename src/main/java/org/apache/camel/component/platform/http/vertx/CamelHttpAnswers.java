package org.apache.camel.component.platform.http.vertx;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Camel's own writing of a platform-http answer ({@code VertxPlatformHttpSupport.writeResponse}, which
 * is package-private), for the bundle's consumer that runs a route on Vert.x's event loop
 * ({@code io.github.segmenttotango.server.EventLoopHttpConsumer}): its answers are written exactly as
 * Camel's consumer writes them. Nothing else of the bundle lives in this package.
 */
public final class CamelHttpAnswers {

    private CamelHttpAnswers() {
    }

    /** Writes the exchange's message (status, headers through the filter, body) as the answer. */
    public static Future<Void> write(RoutingContext request, Exchange exchange, HeaderFilterStrategy headers, boolean muteExceptions) {
        return VertxPlatformHttpSupport.writeResponse(request, exchange, headers, muteExceptions);
    }
}
