package io.github.segmenttotango.console;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Answers a request for the operator's console: its page at {@code /console} and its script and style
 * sheet at {@code /console/<name>}, from the jar ({@code console/} on the classpath). Each answer forbids
 * scripts of any other origin and inline ones (Content-Security-Policy), content sniffing and framing;
 * any other name is 404, any method but GET and HEAD 405, each with the usual JSON body. The page holds
 * no data: it calls the admin API with the token the operator types in.
 */
public final class ConsoleFiles implements Processor {

    /** The page may load its own script, style sheet and data, and nothing else. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final String PREFIX = "/console";
    /** The files there are, by the name in the path ("" for the page), with their content type. */
    private static final Map<String, String> FILES = Map.of(
            "", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String method = message.getHeader(Exchange.HTTP_METHOD, String.class);
        String path = message.getHeader(Exchange.HTTP_PATH, String.class);
        String name = nameOf(path);
        message.removeHeaders("*");
        message.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        message.setHeader("X-Content-Type-Options", "nosniff");
        message.setHeader("X-Frame-Options", "DENY");
        message.setHeader("Referrer-Policy", "no-referrer");
        message.setHeader("Cache-Control", "no-store");
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            refuse(message, 405, "method_not_allowed", "The console is read with GET");
            message.setHeader("Allow", "GET, HEAD");
        } else if ("/".equals(name)) {
            // /console/: the page's relative links need /console (a relative Location keeps a proxy's prefix)
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 308);
            message.setHeader("Location", "../console");
            message.setBody(new byte[0]);
        } else if (name == null || !FILES.containsKey(name)) {
            refuse(message, 404, "not_found", "The console has no such file");
        } else {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
            message.setHeader(Exchange.CONTENT_TYPE, FILES.get(name));
            message.setBody(read(name.isEmpty() ? "index.html" : name));
        }
    }

    /** The file's name in the path: "" for the page itself, "/" for /console/, null for anything not under the console. */
    static String nameOf(String path) {
        if (path == null) {
            return null;
        }
        if (path.equals(PREFIX)) {
            return "";
        }
        if (path.equals(PREFIX + "/")) {
            return "/";
        }
        return path.startsWith(PREFIX + "/") ? path.substring(PREFIX.length() + 1) : null;
    }

    private static void refuse(Message message, int status, String code, String text) {
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(("{\"code\":\"" + code + "\",\"message\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] read(String file) {
        try (InputStream in = ConsoleFiles.class.getResourceAsStream("/console/" + file)) {
            if (in == null) {
                throw new IllegalStateException("The jar lacks console/" + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
