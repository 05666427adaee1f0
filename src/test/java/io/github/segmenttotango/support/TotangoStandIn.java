package io.github.segmenttotango.support;

import com.sun.net.httpserver.HttpServer;

import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real HTTP server standing in for Totango's pixel endpoint: it records every request (method,
 * path, headers, raw body and decoded parameters) and answers 200 with a 1x1 gif, or the statuses
 * a test scripts with {@link #answerNext(int...)}.
 */
public final class TotangoStandIn implements AutoCloseable {

    static {
        // The JDK server otherwise waits on Nagle's algorithm for every answer (tens of ms a call).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final byte[] GIF = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, ';'};

    /** One request Totango received. */
    public record Received(String method, String path, Map<String, List<String>> headers, String body,
            Map<String, String> params, long at, int status) {
        public String param(String name) {
            return params.get(name);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> scripted = new ConcurrentLinkedQueue<>();
    private volatile int retryAfterSeconds;
    private volatile long answerDelayMillis;
    private volatile long downUntil;
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger answering = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final Set<String> usersAnswering = ConcurrentHashMap.newKeySet();
    private final List<String> overlaps = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "totango-stand-in");
        thread.setDaemon(true);
        return thread;
    });

    public TotangoStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // each request on a thread of its own: calls answered slowly overlap, as they would on Totango
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            arrived.incrementAndGet();
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String raw = exchange.getRequestURI().getRawQuery();
            String form = body.isEmpty() && raw != null ? raw : body;
            String user = decode(form).get("sdr_u");
            mostAtOnce.accumulateAndGet(answering.incrementAndGet(), Math::max);
            boolean first = user == null || usersAnswering.add(user);
            if (!first) {
                overlaps.add(user);
            }
            // the call is over once its answer starts out: the bundle may send the next one as soon as it has it
            java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable answered = () -> {
                if (over.compareAndSet(false, true)) {
                    if (first && user != null) {
                        usersAnswering.remove(user);
                    }
                    answering.decrementAndGet();
                }
            };
            try {
                answer(exchange, body, form, answered);
            } finally {
                answered.run();
            }
        });
        server.start();
    }

    private void answer(com.sun.net.httpserver.HttpExchange exchange, String body, String form, Runnable answered) throws IOException {
        {
            long pause = answerDelayMillis;
            if (pause > 0) {
                sleep(pause);
            }
            Integer scriptedStatus = System.currentTimeMillis() < downUntil ? Integer.valueOf(503) : scripted.poll();
            int status = scriptedStatus == null ? 200 : scriptedStatus;
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()), body, decode(form), System.currentTimeMillis(), status));
            answered.run();
            if (status < 300) {
                exchange.getResponseHeaders().add("Content-Type", "image/gif");
                exchange.sendResponseHeaders(status, GIF.length);
                exchange.getResponseBody().write(GIF);
            } else {
                if (retryAfterSeconds > 0) {
                    exchange.getResponseHeaders().add("Retry-After", String.valueOf(retryAfterSeconds));
                }
                byte[] answer = ("status " + status).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        }
    }

    /** The most calls Totango was answering at one time. */
    public int mostAtOnce() {
        return mostAtOnce.get();
    }

    /** The users a call of whom arrived while another of theirs was still being answered. */
    public List<String> usersWithOverlappingCalls() {
        return List.copyOf(overlaps);
    }

    /** The pixel URL, as totango.url takes it. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/pixel.gif/";
    }

    /** The next requests get these statuses, in order; then 200 again. */
    public void answerNext(int... statuses) {
        for (int status : statuses) {
            scripted.add(status);
        }
    }

    /** Totango is down (503 to every call) for this long from now. */
    public void downFor(Duration outage) {
        downUntil = System.currentTimeMillis() + outage.toMillis();
    }

    /** Every answer waits this long: a slow Totango. */
    public void answerAfter(Duration delay) {
        answerDelayMillis = delay.toMillis();
    }

    /** Failed answers carry {@code Retry-After: seconds} (0: none). */
    public void retryAfterSeconds(int seconds) {
        retryAfterSeconds = seconds;
    }

    /** Forgets the statuses still scripted: every call gets 200 again. */
    public void stopScript() {
        scripted.clear();
    }

    /** Requests that arrived, answered or not yet (a slow answer is in {@link #received()} once sent). */
    public int arrived() {
        return arrived.get();
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** The requests for one user, in the order they came. */
    public List<Received> forUser(String user) {
        return received.stream().filter(r -> user.equals(r.param("sdr_u"))).toList();
    }

    /** Waits until {@code count} requests match, and returns them (fails after 15 s). */
    public List<Received> await(Predicate<Received> match, int count) {
        return await(match, count, Duration.ofSeconds(15));
    }

    /** Waits until {@code count} requests match, and returns them (fails after {@code patience}). */
    public List<Received> await(Predicate<Received> match, int count, Duration patience) {
        try {
            return Wait.atMost(patience).until(() -> received.stream().filter(match).toList(), matching -> matching.size() >= count);
        } catch (ConditionTimeoutException timeout) {
            List<Received> all = received();
            throw new AssertionError("Totango received " + all.stream().filter(match).count() + " matching calls, expected "
                    + count + "; " + all.size() + " calls in all, the last ones: " + all.subList(Math.max(0, all.size() - 5), all.size()));
        }
    }

    public List<Received> awaitUser(String user, int count) {
        return await(r -> user.equals(r.param("sdr_u")), count);
    }

    public void clear() {
        received.clear();
        scripted.clear();
    }

    static Map<String, String> decode(String form) {
        Map<String, String> params = new LinkedHashMap<>();
        if (form == null || form.isEmpty()) {
            return params;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            if (params.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8)) != null) {
                throw new AssertionError("Parameter sent twice: " + key + " in " + form);
            }
        }
        return params;
    }

    /** Thread.sleep for tests: an interruption fails the test. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
