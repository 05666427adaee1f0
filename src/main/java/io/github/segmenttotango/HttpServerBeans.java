package io.github.segmenttotango;

import io.github.segmenttotango.server.EventLoopHttpEngine;
import io.github.segmenttotango.server.HttpConnectionLimits;
import io.github.segmenttotango.server.LimitedVertx;
import io.github.segmenttotango.util.SettingValues;

import io.vertx.core.Vertx;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Camel's HTTP server: its port checked before the start, its Vert.x ({@code vertx}) with the bundle's connection limits. */
final class HttpServerBeans {

    private HttpServerBeans() {
    }

    /**
     * Camel's Vert.x server logs a port it cannot bind and carries on without it (the bundle would run
     * deaf), so the port is tried before it starts.
     */
    static void checkPortIsFree(String host, String port) {
        int number;
        try {
            number = Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("camel.server.port (CAMEL_SERVER_PORT) must be a port number, not '" + port + "'");
        }
        if (number == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, number));
        } catch (IOException e) {
            throw new IllegalArgumentException("camel.server.port (CAMEL_SERVER_PORT) " + number + " on " + host
                    + " cannot be used: " + e.getMessage());
        }
    }

    /**
     * Camel's platform-http engine, with the routes named in {@code routes} (comma-separated route ids,
     * {@code ingest.event-loop-routes}) run on Vert.x's event loop ({@link EventLoopHttpEngine}).
     */
    static void runOnEventLoop(CamelContext context, String routes) {
        Set<String> ids = new LinkedHashSet<>(SettingValues.list(routes));
        context.getRegistry().bind("platform-http-engine", new EventLoopHttpEngine(ids));
    }

    /**
     * The Vert.x instance Camel's HTTP server takes from the registry, whose servers get the bundle's
     * connection limit, header and idle timeouts; closed after the bundle has stopped. Bound last: its
     * threads start here, once nothing else can fail.
     */
    static void limitConnections(CamelContext context, BundleSettings settings) throws Exception {
        Vertx vertx = Vertx.vertx();
        HttpConnectionLimits limits = new HttpConnectionLimits(vertx, settings.httpMaxConnections(),
                settings.durations().get("segment.http.header-timeout"), settings.durations().get("segment.http.idle-timeout"));
        limits.checkDescriptorLimit();
        context.getRegistry().bind("vertx", LimitedVertx.of(vertx, limits));
        context.getRegistry().bind("httpConnectionLimits", limits);
        // closed once Camel has stopped everything, its HTTP server included
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.CamelContextStoppedEvent;
            }

            @Override
            public void notify(CamelEvent event) throws Exception {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        });
        context.addStartupListener((started, alreadyStarted) -> limits.install(started));
    }
}
