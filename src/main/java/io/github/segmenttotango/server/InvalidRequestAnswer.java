package io.github.segmenttotango.server;

import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * The answer to a request Vert.x cannot even decode (headers over its 8 KB limit, a request line too
 * long, not HTTP at all): the status Vert.x would give (431, 414, 400) with the bundle's usual JSON
 * body instead of an empty one; the connection is closed after it, as Vert.x does.
 */
final class InvalidRequestAnswer implements Handler<HttpServerRequest> {

    @Override
    public void handle(HttpServerRequest request) {
        Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
        String reason = cause instanceof TooLongFrameException && cause.getMessage() != null ? cause.getMessage() : "";
        int status;
        String body;
        if (reason.startsWith("HTTP header is larger than")) {
            status = 431;
            body = "{\"code\":\"headers_too_large\",\"message\":\"The request's headers are larger than the server takes (8 KB)\"}";
        } else if (reason.startsWith("An HTTP line is larger than")) {
            status = 414;
            body = "{\"code\":\"request_line_too_long\",\"message\":\"The request line is longer than the server takes (4 KB)\"}";
        } else {
            status = 400;
            body = "{\"code\":\"invalid_request\",\"message\":\"The request is not valid HTTP/1.1\"}";
        }
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close").end(body).onComplete(sent -> request.connection().close());
    }
}
