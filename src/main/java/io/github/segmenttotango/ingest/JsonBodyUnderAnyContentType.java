package io.github.segmenttotango.ingest;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import org.apache.camel.CamelContext;
import io.github.segmenttotango.server.MainServerRoutes;

import java.util.List;
import java.util.Locale;

/**
 * Lets the Tracking API (and the admin API) read a form-typed body as the JSON it is. RudderStack's Node SDK posts its
 * (gzipped) JSON batches as {@code application/x-www-form-urlencoded}, and Segment's and RudderStack's
 * servers read the body as JSON whatever the Content-Type says. Vert.x and Camel's platform-http would
 * instead decode such a body as form fields (into headers) and hand the route no body at all, so this
 * handler, placed before every other on the Tracking API paths, relabels the request as
 * {@code application/json} before the body is read. Multipart stays as it is (and is refused).
 */
public final class JsonBodyUnderAnyContentType implements Handler<RoutingContext> {

    /** The paths whose bodies are JSON: the Tracking API's and the admin API's. */
    static final List<String> PATHS = List.of("/v1/*", "/admin/*");
    private static final String FORM = "application/x-www-form-urlencoded";

    @Override
    public void handle(RoutingContext request) {
        String type = request.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type != null && type.toLowerCase(Locale.ROOT).contains(FORM)) {
            request.request().headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        request.next();
    }

    /**
     * Puts the handler first on the JSON paths of the bundle's HTTP server; called once the
     * server is up and before the routes start (so before the first request).
     */
    public static void install(CamelContext context) {
        PATHS.forEach(path -> MainServerRoutes.add(context, path, Integer.MIN_VALUE, new JsonBodyUnderAnyContentType()));
    }
}
