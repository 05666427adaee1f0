package io.github.segmenttotango.server;

import io.github.segmenttotango.support.Wait;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;
import org.apache.camel.support.AsyncProcessorSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Camel's platform-http server with the bundle's engine: a route named to run on the event loop
 * takes more requests at once than Vert.x has workers, none of them holding a thread while a step
 * waits, and answers each as Camel does; another route runs on a worker as in Camel.
 */
class EventLoopHttpConsumerTest {

    /** More than Vert.x's worker pool (20 threads), each of which Camel's own consumer holds for a request. */
    private static final int AT_ONCE = 60;

    private final Main main = new Main();
    private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    private final Map<String, String> threadOf = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private int port;

    @BeforeEach
    void start() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        main.configure().httpServer().withEnabled(true).withHost("127.0.0.1").withPort(port);
        main.bind("platform-http-engine", new EventLoopHttpEngine(Set.of("on-the-event-loop")));
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("platform-http:/held?httpMethodRestrict=POST").routeId("on-the-event-loop")
                        .process(exchange -> threadOf.put(exchange.getMessage().getBody(String.class), Thread.currentThread().getName()))
                        .process(new HeldStep())
                        .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                        .setHeader("Content-Type", constant("application/json"))
                        .setBody(simple("{\"echo\":\"${body}\"}"));
                from("platform-http:/plain").routeId("on-a-worker")
                        .process(exchange -> threadOf.put("plain", Thread.currentThread().getName()))
                        .setBody(constant("plain"));
            }
        });
        main.start();
        Wait.atMost(Duration.ofSeconds(30)).until(() -> get("/plain").statusCode() == 200);
    }

    @AfterEach
    void stop() {
        main.stop();
    }

    @Test
    void aRouteOnTheEventLoopHoldsNoThreadWhileAStepWaitsAndAnswersEachRequestAsCamelDoes() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < AT_ONCE; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/held"))
                    .POST(HttpRequest.BodyPublishers.ofString("r" + i)).build(), HttpResponse.BodyHandlers.ofString()));
        }

        Wait.atMost(Duration.ofSeconds(30)).until(() -> held.size() == AT_ONCE);
        assertTrue(answers.stream().noneMatch(CompletableFuture::isDone), "no answer before its step is done");
        Thread release = new Thread(() -> held.forEach(Runnable::run), "test-releases-the-steps");
        release.start();
        for (int i = 0; i < AT_ONCE; i++) {
            HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
            assertEquals(202, answer.statusCode());
            assertEquals("{\"echo\":\"r" + i + "\"}", answer.body());
            assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(null));
        }
        assertTrue(threadOf.get("r0").startsWith("vert.x-eventloop-thread"), threadOf.get("r0"));
    }

    @Test
    void anotherRouteRunsOnAWorkerAsCamelRunsIt() throws Exception {
        HttpResponse<String> answer = get("/plain");

        assertEquals("plain", answer.body());
        assertTrue(threadOf.get("plain").startsWith("vert.x-worker-thread"), threadOf.get("plain"));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A step that does not finish at once: its exchange goes on when the test releases it, on the test's thread. */
    private final class HeldStep extends AsyncProcessorSupport {
        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            held.add(() -> callback.done(false));
            return false;
        }
    }
}
