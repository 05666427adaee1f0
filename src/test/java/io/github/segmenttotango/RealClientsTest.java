package io.github.segmenttotango;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;
import io.github.segmenttotango.support.TotangoStandIn.Received;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the client libraries our users run really send: each library's request shape (path,
 * Content-Type, encoding, where the write key is) reaches Totango, and Segment's and RudderStack's
 * Node libraries themselves, run with Node.js, deliver a whole session.
 */
class RealClientsTest {

    private static TotangoStandIn totango;
    private static RunningBundle bundle;

    @BeforeAll
    static void start() throws Exception {
        totango = new TotangoStandIn();
        bundle = RunningBundle.start(totango);
    }

    @AfterAll
    static void stop() {
        bundle.close();
        totango.close();
    }

    /** One library's request: its path, headers, whether it gzips, and where it puts the write key. */
    private record Shape(String library, String path, Map<String, String> headers, boolean gzip, boolean keyInBody, boolean batch) {
    }

    private static final String BASIC = RunningBundle.basic(RunningBundle.WRITE_KEY);

    private static final List<Shape> SHAPES = List.of(
            // @rudderstack/rudder-sdk-node 3.0.13: axios posts the gzipped batch as a form
            new Shape("rudderstack-node", "/v1/batch", Map.of("Content-Type", "application/x-www-form-urlencoded",
                    "Authorization", BASIC, "Accept", "application/json, text/plain, */*", "user-agent", "analytics-node/3.0.13"),
                    true, false, true),
            new Shape("analytics-python", "/v1/batch", Map.of("Content-Type", "application/json", "Authorization", BASIC,
                    "User-Agent", "analytics-python/2.3.3"), false, false, true),
            new Shape("analytics-python-gzip", "/v1/batch", Map.of("Content-Type", "application/json", "Authorization", BASIC),
                    true, false, true),
            new Shape("analytics-go", "/v1/batch", Map.of("Content-Type", "application/json", "Authorization", BASIC,
                    "User-Agent", "analytics-go (version: 3.3.0)"), false, false, true),
            new Shape("analytics-ruby", "/v1/import", Map.of("Content-Type", "application/json", "Accept", "application/json",
                    "Authorization", BASIC), false, false, true),
            new Shape("analytics-js-classic", "/v1/t", Map.of("Content-Type", "text/plain"), false, true, false),
            new Shape("analytics-next-batching", "/v1/b", Map.of("Content-Type", "text/plain"), false, true, true),
            new Shape("analytics-kotlin", "/v1/b", Map.of("Content-Type", "text/plain", "Authorization", BASIC), false, true, true),
            new Shape("analytics-swift", "/v1/b", Map.of("Content-Type", "application/json", "Authorization", BASIC), false, true, true),
            new Shape("analytics-android", "/v1/import", Map.of("Content-Type", "application/json", "Content-Encoding", "gzip",
                    "Authorization", BASIC), true, false, true));

    @Test
    void eachLibrarysRequestShapeIsAccepted() throws IOException {
        for (Shape shape : SHAPES) {
            String user = "lib-" + shape.library();
            String key = shape.keyInBody() ? ",\"writeKey\":\"" + RunningBundle.WRITE_KEY + "\"" : "";
            String event = "{\"type\":\"track\",\"userId\":\"%s\",\"event\":\"From %s\",\"messageId\":\"%s-1\",\"context\":{\"groupId\":\"g\",\"library\":{\"name\":\"%s\"}},\"timestamp\":\"2026-12-01T10:00:00.000Z\"%s}"
                    .formatted(user, shape.library(), user, shape.library(), key);
            String body = shape.batch() ? "{\"batch\":[" + event + "],\"sentAt\":\"2026-12-01T10:00:01.000Z\"" + key + "}"
                    : event.replace("\"type\":\"track\",", "");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = bundle.request(shape.path());
            shape.headers().forEach(request::header);
            if (shape.gzip() && !shape.headers().containsKey("Content-Encoding")) {
                request.header("Content-Encoding", "gzip");
            }
            HttpResponse<String> response = bundle.send(request.POST(BodyPublishers.ofByteArray(shape.gzip() ? TrackingApiTest.gzip(bytes) : bytes)).build());
            assertEquals(200, response.statusCode(), shape.library() + ": " + response.body());
        }
        for (Shape shape : SHAPES) {
            Received call = totango.awaitUser("lib-" + shape.library(), 1).get(0);
            assertEquals("From " + shape.library(), call.param("sdr_a"));
            assertEquals("g", call.param("sdr_o"));
        }
    }

    @Tag("process")
    @ParameterizedTest
    @ValueSource(strings = {"rudderstack", "segment"})
    void theNodeLibraryDeliversASession(String client) throws Exception {
        Path clients = nodeClients();
        String user = client + "-node-user";
        Process send = new ProcessBuilder("node", "send.js", client, bundle.baseUrl(), RunningBundle.WRITE_KEY, user)
                .directory(clients.toFile()).redirectErrorStream(true).start();
        String output = new String(send.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, send.waitFor(), client + " library failed: " + output);
        List<Received> calls = totango.awaitUser(user, 5);
        String account = user + "-account";
        assertEquals(List.of(account, account, account, account, account), calls.stream().map(c -> c.param("sdr_o")).toList());
        assertEquals("Initech", calls.get(0).param("sdr_odn"));
        assertEquals("Enterprise", calls.get(0).param("sdr_o.plan"));
        assertEquals(user + "@example.com", calls.get(1).param("sdr_u.email"));
        assertEquals("Completed Purchase", calls.get(2).param("sdr_a"));
        assertEquals("Conversion", calls.get(2).param("sdr_m"));
        assertEquals(List.of("Viewed Docs Page", "Viewed Docs Index Page"), List.of(calls.get(3).param("sdr_a"), calls.get(4).param("sdr_a")));
    }

    /**
     * The Node libraries, installed once per build into target/node-clients from
     * src/test/node-clients (package.json and its lock file); skipped where Node.js is not installed.
     */
    private static synchronized Path nodeClients() throws Exception {
        Assumptions.assumeTrue(runs("node", "--version") && runs("npm", "--version"),
                "Node.js and npm are not on this machine: the test with the real Node libraries is skipped");
        Path source = Path.of("src/test/node-clients");
        Path target = Path.of("target/node-clients");
        Files.createDirectories(target);
        for (String file : List.of("package.json", "package-lock.json", "send.js")) {
            Files.copy(source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(target.resolve("node_modules/@rudderstack")) || !Files.isDirectory(target.resolve("node_modules/@segment"))) {
            Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                    .directory(target.toFile()).redirectErrorStream(true).start();
            String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!install.waitFor(5, TimeUnit.MINUTES) || install.exitValue() != 0) {
                throw new AssertionError("npm ci of the Node client libraries failed: " + output);
            }
        }
        return target;
    }

    private static boolean runs(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException | InterruptedException absent) {
            return false;
        }
    }
}
