package io.github.segmenttotango.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.RoutingContext;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.management.UnixOperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limits on the connections of the bundle's HTTP server, which Camel's Vert.x server has no setting for:
 * <ul>
 * <li>at most {@code maxConnections} open at once: a connection past it is closed as soon as it is
 *     accepted (one WARN when the limit is reached, one INFO when there is room again), so idle
 *     clients cannot take every file descriptor;</li>
 * <li>the first request's headers must be complete within {@code headerTimeout} of the connection
 *     opening, and a later request's within {@code idleTimeout} of the previous answer, else the
 *     connection is closed: a client that dribbles its headers a byte at a time holds nothing for long;</li>
 * <li>a connection on which nothing is read or written for {@code idleTimeout} is closed.</li>
 * </ul>
 * The body of a request is bounded by {@code segment.request-timeout}.
 */
public final class HttpConnectionLimits implements Handler<HttpConnection> {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnectionLimits.class);
    static final int OTHER_DESCRIPTORS = 1000;

    private final Vertx vertx;
    private final int maxConnections;
    private final long headerTimeoutMillis;
    private final long idleTimeoutMillis;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<HttpConnection, WaitForHeaders> connections = new ConcurrentHashMap<>();
    private volatile boolean atLimit;

    public HttpConnectionLimits(Vertx vertx, int maxConnections, Duration headerTimeout, Duration idleTimeout) {
        this.vertx = vertx;
        this.maxConnections = maxConnections;
        this.headerTimeoutMillis = Math.max(1, headerTimeout.toMillis());
        this.idleTimeoutMillis = Math.max(1, idleTimeout.toMillis());
    }

    /**
     * The options of a server, with the idle timeout. HTTP/2 over cleartext (h2c, which no Segment
     * client uses) is off: with it, Vert.x reads a connection's first request headers before it hands
     * the connection over, so neither the limit nor the header timeout would see a dribbling client.
     */
    HttpServerOptions withLimits(HttpServerOptions options) {
        return new HttpServerOptions(options).setIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeoutMillis))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false);
    }

    /** Puts the limits on a server before it listens. */
    HttpServer limit(HttpServer server) {
        return server.connectionHandler(this);
    }

    /**
     * Warns at start when the process may run out of file descriptors before it reaches the
     * connection limit (each connection takes one; the queue's journal, the dedup store and the
     * connections to Totango take up to about {@link #OTHER_DESCRIPTORS} more).
     */
    public void checkDescriptorLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os
                && os.getMaxFileDescriptorCount() < (long) maxConnections + OTHER_DESCRIPTORS) {
            LOG.warn("segment.http.max-connections ({}) is too close to the process's file descriptor limit ({}): "
                    + "raise the limit (LimitNOFILE in systemd, --ulimit nofile for Docker) or lower the setting",
                    maxConnections, os.getMaxFileDescriptorCount());
        }
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    @Override
    public void handle(HttpConnection connection) {
        int now = open.incrementAndGet();
        connection.closeHandler(closed -> {
            WaitForHeaders waiting = connections.remove(connection);
            if (waiting != null) {
                waiting.cancel();
            }
            if (open.decrementAndGet() < maxConnections && atLimit) {
                atLimit = false;
                LOG.info("HTTP connections below segment.http.max-connections ({}) again: new ones are accepted", maxConnections);
            }
        });
        if (now > maxConnections) {
            if (!atLimit) {
                atLimit = true;
                LOG.warn("HTTP connections at segment.http.max-connections ({}): new connections are closed until some end", maxConnections);
            }
            connection.close();
            return;
        }
        WaitForHeaders wait = new WaitForHeaders(connection);
        connections.put(connection, wait);
        wait.arm(headerTimeoutMillis);
    }

    /**
     * Marks a request whose headers have arrived (its connection's header timer stops) and, once it is
     * answered, starts the timer for the next request on the connection; the first handler of every
     * path, put in place once the server is up and before the routes start.
     */
    public void install(CamelContext context) {
        MainServerRoutes.add(context, null, Integer.MIN_VALUE, this::headersArrived);
    }

    private void headersArrived(RoutingContext request) {
        WaitForHeaders wait = connections.get(request.request().connection());
        if (wait != null) {
            wait.cancel();
            request.addEndHandler(answered -> wait.arm(idleTimeoutMillis));
        }
        request.next();
    }

    /** The header timer of one connection (its event loop alone touches it). */
    private final class WaitForHeaders {

        private final HttpConnection connection;
        private long timer = -1;

        WaitForHeaders(HttpConnection connection) {
            this.connection = connection;
        }

        void arm(long millis) {
            cancel();
            timer = vertx.setTimer(millis, fired -> {
                timer = -1;
                connection.close();
            });
        }

        void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
