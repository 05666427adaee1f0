package io.github.segmenttotango.server;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Puts a Vert.x handler on the bundle's HTTP server beside the Camel routes: first or last on a path
 * (by its order), for what Camel's platform-http leaves to Vert.x. Called once the server is up and
 * before the routes start.
 */
public final class MainServerRoutes {

    private MainServerRoutes() {
    }

    /** Adds the handler on the path ({@code null}: every path) of the main server, at the given order. */
    public static void add(CamelContext context, String path, int order, Handler<RoutingContext> handler) {
        context.getRegistry().findByType(VertxPlatformHttpRouter.class).stream()
                .filter(VertxPlatformHttpRouter::isMainServer)
                .forEach(router -> (path == null ? router.route() : router.route(path)).order(order).handler(handler));
    }
}
