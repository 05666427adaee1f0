package io.github.segmenttotango.ingest;

import io.vertx.core.http.HttpServerRequest;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.util.List;

/**
 * The first step of every HTTP entry route: the headers the routes read come from the request's
 * own HTTP headers and its path, never from its query string. Camel's platform-http merges query
 * parameters into the message headers, so {@code ?Authorization=Bearer ...} would pass for the
 * header and {@code ?call=preview} would change the call; here each such header is set again from
 * the request itself (or removed when the request has none), and the path parameter from the path
 * Camel matched ({@code CamelHttpPath}, which a query parameter cannot set).
 */
public final class RequestHeadersOnly implements Processor {

    /** The request headers the routes read. */
    static final List<String> READ = List.of("Authorization", "Content-Type", "Content-Encoding", "Origin",
            "Access-Control-Request-Method", "Access-Control-Request-Headers", "X-Signature");

    private final String pathPrefix;
    private final String pathParameter;

    /**
     * @param pathTemplate the route's path, with at most one parameter at its end: {@code /v1/{call}},
     *                     {@code /admin/dead-letter/{id}}, or a plain path
     */
    public RequestHeadersOnly(String pathTemplate) {
        int open = pathTemplate.indexOf('{');
        this.pathPrefix = open < 0 ? null : pathTemplate.substring(0, open);
        this.pathParameter = open < 0 ? null : pathTemplate.substring(open + 1, pathTemplate.indexOf('}', open));
    }

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        HttpServerRequest request = message instanceof HttpMessage http ? http.getRequest() : null;
        for (String name : READ) {
            String value = request == null ? null : request.getHeader(name);
            if (value == null) {
                message.removeHeader(name);
            } else {
                message.setHeader(name, value);
            }
        }
        if (pathParameter != null) {
            message.setHeader(pathParameter, parameterOf(message.getHeader(Exchange.HTTP_PATH, String.class)));
        }
    }

    /** The path's part after the template's prefix, without a trailing slash; null when it does not match. */
    String parameterOf(String path) {
        if (path == null || !path.startsWith(pathPrefix)) {
            return null;
        }
        String value = path.substring(pathPrefix.length());
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }
}
