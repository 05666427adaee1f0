package io.github.segmenttotango.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * The Vert.x instance of the bundle's HTTP server. Camel's platform-http server takes a Vert.x it finds
 * in the registry, but builds its own {@link HttpServerOptions} and sets no connection handler; this
 * instance is Vert.x itself except that each HTTP server it creates gets {@link HttpConnectionLimits}
 * and answers a request it cannot decode in JSON ({@link InvalidRequestAnswer}).
 */
public final class LimitedVertx {

    private LimitedVertx() {
    }

    /** {@code vertx}, whose HTTP servers get the limits. */
    public static Vertx of(Vertx vertx, HttpConnectionLimits limits) {
        return (Vertx) Proxy.newProxyInstance(Vertx.class.getClassLoader(), new Class<?>[] {Vertx.class}, (proxy, method, args) -> {
            if (method.getName().equals("createHttpServer") && method.getReturnType() == HttpServer.class) {
                HttpServerOptions options = args != null && args.length == 1 && args[0] instanceof HttpServerOptions given
                        ? given : new HttpServerOptions();
                return limits.limit(vertx.createHttpServer(limits.withLimits(options))).invalidRequestHandler(new InvalidRequestAnswer());
            }
            return call(vertx, method, args);
        });
    }

    private static Object call(Vertx vertx, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(vertx, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
