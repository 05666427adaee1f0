package io.github.segmenttotango.ingest;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import org.apache.camel.CamelContext;
import io.github.segmenttotango.server.MainServerRoutes;

import java.util.List;

/**
 * The Tracking API's answer while its routes cannot take a request: once the bundle has begun to
 * stop (its HTTP server closes last, after the routes: a request that came in then would meet routes
 * half stopped), and before the routes have started. It stands first on the Tracking API paths, where
 * it lets every request through until the stop begins, and last, where it answers what no route
 * takes. Its answer is 503 with the usual JSON body and {@code Retry-After}, never Vert.x's bare 503
 * or 404 page, nor a 500 (Segment's clients drop a batch on a 4xx and resend it on a 503).
 */
public final class TrackingApiUnavailable implements Handler<RoutingContext> {

    private static final TrackingApiAnswers ANSWERS = new TrackingApiAnswers();

    private final CamelContext context;
    private final String retryAfterSeconds;
    /** Whether it stands last (answers whatever reaches it) or first (only once the stop has begun). */
    private final boolean last;

    TrackingApiUnavailable(CamelContext context, String retryAfterSeconds, boolean last) {
        this.context = context;
        this.retryAfterSeconds = retryAfterSeconds;
        this.last = last;
    }

    @Override
    public void handle(RoutingContext request) {
        boolean stopping = context.isStopping() || context.isStopped();
        if (!last && !stopping) {
            request.next();
            return;
        }
        TrackingApiAnswers.Answer answer = ANSWERS.unavailable(stopping);
        request.response().setStatusCode(answer.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader("Retry-After", retryAfterSeconds)
                .end(answer.json());
    }

    /** Puts the handler first and last on the Tracking API paths of the bundle's HTTP server. */
    public static void install(CamelContext context, String retryAfterSeconds) {
        for (String path : List.of("/v1", "/v1/*")) {
            MainServerRoutes.add(context, path, Integer.MIN_VALUE, new TrackingApiUnavailable(context, retryAfterSeconds, false));
            MainServerRoutes.add(context, path, Integer.MAX_VALUE, new TrackingApiUnavailable(context, retryAfterSeconds, true));
        }
    }
}
