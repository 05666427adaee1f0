package io.github.segmenttotango;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.segmenttotango.server.HttpConnectionLimits;
import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.Wait;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Slow and idle clients cannot hold the HTTP server: headers dribbled past segment.http.header-timeout
 * and connections idle past segment.http.idle-timeout are closed, and connections past
 * segment.http.max-connections are closed at once while the earlier ones still work.
 */
class SlowClientsTest {

    @Test
    void aClientThatDribblesItsHeadersIsCutOffAfterTheHeaderTimeout() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("segment.http.header-timeout", "1s",
                        "segment.http.idle-timeout", "10s"));
                Socket slow = connect(bundle)) {
            long started = System.nanoTime();
            OutputStream out = slow.getOutputStream();
            out.write("POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // a header line a byte at a time, every 100 ms: never idle, never complete
            try {
                for (int i = 0; i < 100 && !closedWithin(slow, Duration.ofMillis(100)); i++) {
                    out.write('x');
                    out.flush();
                }
            } catch (SocketException closed) {
                // the server closed it while we wrote
            }
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMillis >= 900 && tookMillis < 5000, "closed after the 1 s header timeout, not the 10 s idle one: " + tookMillis + " ms");
        }
    }

    @Test
    void aKeptAliveConnectionIdleAfterItsAnswerIsClosedAfterTheIdleTimeout() throws Exception {
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("segment.http.header-timeout", "10s",
                        "segment.http.idle-timeout", "1s"));
                Socket idle = connect(bundle)) {
            assertEquals("HTTP/1.1 200 OK", answerTo(idle, track("idle-u")));
            long answered = System.nanoTime();
            assertTrue(closedWithin(idle, Duration.ofSeconds(5)), "the idle connection was closed");
            long tookMillis = (System.nanoTime() - answered) / 1_000_000;
            assertTrue(tookMillis >= 900, "not before the idle timeout: " + tookMillis + " ms");
            totango.awaitUser("idle-u", 1);
        }
    }

    @Test
    void connectionsPastTheLimitAreClosedWhileEarlierOnesStillWork() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (TotangoStandIn totango = new TotangoStandIn();
                RunningBundle bundle = RunningBundle.start(totango, Map.of("segment.http.max-connections", "4",
                        "segment.http.header-timeout", "30s", "segment.http.idle-timeout", "30s"))) {
            HttpConnectionLimits limits = bundle.camelContext().getRegistry()
                    .lookupByNameAndType("httpConnectionLimits", HttpConnectionLimits.class);
            // the test's own HTTP client may keep a connection from the start-up health checks
            while (limits.open() < 4) {
                held.add(connect(bundle));
                awaitOpen(limits, held.size());
            }
            try (Socket beyond = connect(bundle)) {
                assertTrue(closedWithin(beyond, Duration.ofSeconds(5)), "the connection past the limit was closed");
            }
            assertEquals("HTTP/1.1 200 OK", answerTo(held.get(0), track("held-u")), "an earlier connection still works");
            totango.awaitUser("held-u", 1);
            for (Socket socket : held) {
                socket.close();
            }
            held.clear();
            awaitOpen(limits, 0);
            RunningBundle.accepted(bundle.post("/v1/track", "{\"userId\":\"after-u\",\"event\":\"E\",\"context\":{\"groupId\":\"g\"}}"));
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    private static Socket connect(RunningBundle bundle) throws IOException {
        int port = Integer.parseInt(bundle.baseUrl().substring(bundle.baseUrl().lastIndexOf(':') + 1));
        return new Socket("127.0.0.1", port);
    }

    /** Waits until the server counts at least this many connections, the test's own (at most one) aside. */
    private static void awaitOpen(HttpConnectionLimits limits, int ours) {
        Wait.atMost(Duration.ofSeconds(5)).alias("the server counts " + ours + " (+1) connections")
                .until(limits::open, open -> open >= ours && open <= ours + 1);
    }

    private static String track(String user) {
        String body = "{\"userId\":\"" + user + "\",\"event\":\"E\",\"context\":{\"groupId\":\"g\"}}";
        return "POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: "
                + RunningBundle.basic(RunningBundle.WRITE_KEY) + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** Sends a whole request on the socket and returns the status line of the answer (its body is read too). */
    private static String answerTo(Socket socket, String request) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("The connection closed before an answer: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(headers);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        } else if (headers.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
            for (int size = -1; size != 0; ) {
                size = Integer.parseInt(line(in), 16);
                in.readNBytes(size + 2);
            }
        }
        return headers.substring(0, headers.indexOf("\r\n"));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new AssertionError("The connection closed in the middle of an answer");
            }
            line.append((char) b);
        }
        return line.toString().trim();
    }

    /** Whether the server closed the connection (end of stream or reset) within this time. */
    private static boolean closedWithin(Socket socket, Duration patience) throws IOException {
        socket.setSoTimeout((int) Math.max(1, patience.toMillis()));
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }
}
