package io.github.segmenttotango.delivery;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.support.AsyncProcessorSupport;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Sends the form in the body to Totango's endpoint, once {@link CallsInFlight} gives the call a place:
 * no thread waits, neither for the place nor for the answer (a non-blocking HTTP client, Vert.x's,
 * with a pool of kept-alive connections). The place is given back with the answer, which tells the
 * limit whether Totango is overloaded. An answer outside 2xx fails the exchange with Camel's
 * {@link HttpOperationFailedException} (status, headers such as {@code Retry-After}, and body), for
 * the route's retries and dead letters; the route then goes on on one of the {@code answers} threads.
 *
 * <p>Only what the route put in the body goes out, with a fixed Content-Type: no header of the
 * exchange is sent. Redirects are not followed.
 */
public final class SendToTotango extends AsyncProcessorSupport {

    private static final String FORM = "application/x-www-form-urlencoded; charset=UTF-8";

    private final CallsInFlight calls;
    private final HttpClient client;
    private final String url;
    private final long responseTimeoutMillis;
    private final Executor answers;

    /**
     * @param vertx   the Vert.x whose event loop does the calls' input and output
     * @param answers the threads the route goes on with after an answer
     */
    public SendToTotango(CallsInFlight calls, Vertx vertx, String url, int maxConnections, Duration connectTimeout,
            Duration responseTimeout, Executor answers) {
        this.calls = calls;
        this.url = url;
        this.responseTimeoutMillis = responseTimeout.toMillis();
        this.answers = answers;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                        .setKeepAlive(true)
                        .setConnectTimeout((int) connectTimeout.toMillis())
                        .setIdleTimeout(60)
                        .setTryUseCompression(false),
                new PoolOptions().setHttp1MaxSize(maxConnections));
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        calls.whenPlaceFree(() -> send(exchange, callback), refused -> {
            exchange.setException(refused);
            callback.done(false);
        });
        return false;
    }

    private void send(Exchange exchange, AsyncCallback callback) {
        String form = exchange.getMessage().getBody(String.class);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .setFollowRedirects(false).setTimeout(responseTimeoutMillis)
                .putHeader(HttpHeaders.CONTENT_TYPE, FORM);
        client.request(request)
                .compose(call -> call.send(Buffer.buffer(form == null ? "" : form))
                        .compose(answer -> answer.body().map(body -> failureOf(answer, body))))
                .onComplete(done -> answers.execute(() -> {
                    Exception failure = done.failed() ? asException(done.cause()) : done.result();
                    calls.answered(isOverload(failure));
                    if (failure != null) {
                        exchange.setException(failure);
                    }
                    callback.done(false);
                }));
    }

    /** Null for a 2xx answer (its headers are not read), else the failure Camel's HTTP components give. */
    private HttpOperationFailedException failureOf(HttpClientResponse answer, Buffer body) {
        int status = answer.statusCode();
        if (status >= 200 && status < 300) {
            return null;
        }
        Map<String, String> headers = new HashMap<>();
        answer.headers().forEach(header -> headers.putIfAbsent(header.getKey(), header.getValue()));
        return new HttpOperationFailedException(url, status, answer.statusMessage(), answer.getHeader(HttpHeaders.LOCATION), headers,
                body.toString());
    }

    private static Exception asException(Throwable failure) {
        return failure instanceof Exception exception ? exception : new IllegalStateException(failure);
    }

    /**
     * Whether a call's failure says Totango is overloaded or away: 429, 5xx, or no HTTP answer at all
     * (a timeout, a refused connection, an unknown host). Another answer (a 4xx) came from a Totango in
     * good health.
     */
    static boolean isOverload(Exception failure) {
        if (failure instanceof HttpOperationFailedException http) {
            return http.getStatusCode() == 429 || http.getStatusCode() >= 500;
        }
        return failure != null;
    }

    /** Closes the connections to Totango, those in use too: the calls waiting for an answer fail at once. */
    public void closeConnections() {
        client.close();
    }
}
