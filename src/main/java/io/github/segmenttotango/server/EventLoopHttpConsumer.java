package io.github.segmenttotango.server;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumerAware;
import org.apache.camel.component.platform.http.vertx.CamelHttpAnswers;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;

import java.util.List;
import java.util.Set;

/**
 * Camel's platform-http consumer on Vert.x, except that the routes named in
 * {@code ingest.event-loop-routes} run on the event loop that read the request, asynchronously:
 * Camel's consumer hands every request to a Vert.x worker thread and has that thread wait until the
 * route is done (for the Tracking API, until the events are on disk), two hand-overs between threads
 * per request. Here the route's steps run at once on the event loop; a step that waits for something
 * (the write to the events queue) lets the thread go and the route goes on when it is done; the answer
 * is written on the same event loop, as Camel writes it. A route named there must not block: a step
 * that reads a file or a database goes behind a {@code threads} step. The other routes (the admin API,
 * the console, the webhook) run as Camel runs them.
 */
public final class EventLoopHttpConsumer extends VertxPlatformHttpConsumer {

    private final Set<String> eventLoopRoutes;
    private boolean onEventLoop;

    public EventLoopHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
            String routerName, Set<String> eventLoopRoutes) {
        super(endpoint, processor, handlers, routerName);
        this.eventLoopRoutes = eventLoopRoutes;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        onEventLoop = eventLoopRoutes.contains(routeId());
    }

    /** The id of this consumer's route (Camel's consumer of the route, which wraps this one, has it). */
    private String routeId() {
        for (Route route : getEndpoint().getCamelContext().getRoutes()) {
            if (route.getConsumer() instanceof PlatformHttpConsumerAware outer && outer.getPlatformHttpConsumer() == this) {
                return route.getRouteId();
            }
        }
        return getRouteId();
    }

    @Override
    protected void handleRequest(RoutingContext request) {
        Context eventLoop = Vertx.currentContext();
        if (!onEventLoop || eventLoop == null || !Context.isOnEventLoopThread()) {
            super.handleRequest(request);
            return;
        }
        if (isSuspended()) {
            request.response().setStatusCode(503);
            request.end();
            return;
        }
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        processHttpRequest(exchange, request).onComplete(read -> {
            if (read.failed()) {
                fail(exchange, request, read.cause());
                return;
            }
            try {
                createUoW(exchange);
            } catch (Exception e) {
                fail(exchange, request, e);
                return;
            }
            getAsyncProcessor().process(exchange, doneSync -> {
                if (Vertx.currentContext() == eventLoop) {
                    answer(exchange, request);
                } else {
                    // a step went on on another thread (a threads step): the answer goes back to the event loop
                    eventLoop.runOnContext(ignored -> answer(exchange, request));
                }
            });
        });
    }

    private void answer(Exchange exchange, RoutingContext request) {
        CamelHttpAnswers.write(request, exchange, getEndpoint().getHeaderFilterStrategy(), getEndpoint().isMuteException())
                .onComplete(written -> {
                    if (written.succeeded()) {
                        finish(exchange);
                    } else {
                        fail(exchange, request, written.cause());
                    }
                });
    }

    /** As Camel's consumer handles a failure to read the request or to write the answer. */
    private void fail(Exchange exchange, RoutingContext request, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(), failure);
        request.fail(failure);
        if (getEndpoint().isHandleWriteResponseError() && failure != null) {
            Exception existing = exchange.getException();
            if (existing != null) {
                failure.addSuppressed(existing);
            }
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
            exchange.setException(failure);
        }
        finish(exchange);
    }

    private void finish(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }
}
