package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input, generated with a fixed seed (so a failure is replayed exactly): mutated Segment
 * payloads, extreme numbers and dates, deep nesting, odd paths, headers and encodings. No answer is
 * a 5xx, every answer is a JSON object with {@code success} or a {@code code}, and neither a stack
 * trace nor a Java class name leaks.
 */
class FuzzedIngestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = 20261202L;
    private static final int BODIES = 1500;

    private static final List<String> SEEDS = List.of(
            "{\"batch\":[{\"type\":\"track\",\"userId\":\"f\",\"event\":\"E\",\"properties\":{\"n\":1.5,\"s\":\"x\"},\"context\":{\"groupId\":\"g\"}}],\"sentAt\":\"2024-03-01T12:00:00Z\"}",
            "{\"type\":\"identify\",\"userId\":\"f\",\"traits\":{\"created\":\"2024-03-01\",\"n\":[1,2,{\"a\":null}]}}",
            "{\"batch\":[{\"type\":\"group\",\"userId\":\"f\",\"groupId\":\"g\",\"integrations\":{\"Totango\":{\"product\":{\"id\":\"p\"}}}}],\"context\":{\"ip\":\"1.2.3.4\"}}",
            "{\"type\":\"page\",\"anonymousId\":\"a\",\"name\":\"N\",\"category\":\"C\",\"timestamp\":\"2024-03-01T11:00:00Z\",\"sentAt\":\"2024-03-01T11:00:01Z\"}");
    private static final List<String> NASTY = List.of("1E+2147483648", "-1e-2147483648", "\"+999999999-01-01T00:00:00Z\"",
            "\"-999999999-12-31T23:59:59Z\"", "99999999999999999999999999", "null", "[]", "{}", "\"\\u0000\\r\\n\"", "true",
            "\"" + "x".repeat(300) + "\"", "[".repeat(40) + "]".repeat(40), "{\"a\":".repeat(40) + "1" + "}".repeat(40));
    private static final List<String> FIELDS = List.of("type", "userId", "anonymousId", "event", "messageId", "timestamp",
            "sentAt", "groupId", "writeKey", "batch", "context", "integrations", "properties", "traits", "category", "name");
    private static final String PUNCTUATION = "{}[]\",:\\0-eE.";
    private static final List<String> PATHS = List.of("/v1/batch", "/v1/track", "/v1/t", "/v1/identify", "/v1/group", "/v1/page",
            "/v1/b", "/v1/import", "/v1/preview", "/v1/alias");
    private static final List<String> TYPES = List.of("application/json", "text/plain", "application/x-www-form-urlencoded", "",
            "application/json; charset=utf-16", "multipart/form-data; boundary=x", "*/*");

    @Test
    void noInputGetsA5xxOrAnAnswerThatIsNotJson() throws Exception {
        Random random = new Random(SEED);
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango)) {
            for (int i = 0; i < BODIES; i++) {
                String path = PATHS.get(random.nextInt(PATHS.size()));
                byte[] body = mutate(SEEDS.get(random.nextInt(SEEDS.size())), random).getBytes(StandardCharsets.UTF_8);
                HttpRequest.Builder request = bundle.request(path);
                String type = TYPES.get(random.nextInt(TYPES.size()));
                if (!type.isEmpty()) {
                    request.header("Content-Type", type);
                }
                if (random.nextInt(4) > 0) {
                    request.header("Authorization", RunningBundle.basic(RunningBundle.WRITE_KEY));
                }
                if (random.nextInt(6) == 0) {
                    request.header("Content-Encoding", "gzip");
                    body = random.nextBoolean() ? TrackingApiTest.gzip(body) : body;
                }
                HttpResponse<String> answer = bundle.send(request.POST(BodyPublishers.ofByteArray(body)).build());
                String what = "seed " + SEED + ", body " + i + " to " + path + " as " + type + ": " + answer.statusCode() + " "
                        + answer.body() + "\nsent: " + new String(body, StandardCharsets.UTF_8);
                assertTrue(answer.statusCode() < 500, what);
                assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
                JsonNode json = parse(answer.body(), what);
                assertTrue(json.path("success").asBoolean(false) || !json.path("code").asText().isEmpty()
                        || path.equals("/v1/preview"), what);
                assertFalse(answer.body().contains("\tat ") || answer.body().contains("Exception"), what);
                assertFalse(answer.body().contains("com.fasterxml") || answer.body().contains("java.") || answer.body().contains("StreamReadConstraints"),
                        "no Java class in an answer: " + what);
            }
        }
    }

    /** One to four mutations of a valid payload: a value replaced by a nasty one, bytes cut, flipped or repeated. */
    private static String mutate(String seed, Random random) {
        String text = seed;
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            switch (random.nextInt(6)) {
                case 0, 1 -> {
                    String field = "\"" + FIELDS.get(random.nextInt(FIELDS.size())) + "\":";
                    int at = text.indexOf(field);
                    String nasty = NASTY.get(random.nextInt(NASTY.size()));
                    text = at < 0 ? text.replaceFirst("\\{", "{" + field + nasty + ",")
                            : text.substring(0, at + field.length()) + nasty + "," + field + text.substring(at + field.length());
                }
                case 2 -> text = text.substring(0, random.nextInt(text.length() + 1));
                case 3 -> {
                    char[] chars = text.toCharArray();
                    if (chars.length > 0) {
                        chars[random.nextInt(chars.length)] = PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length()));
                    }
                    text = new String(chars);
                }
                case 4 -> {
                    int from = random.nextInt(text.length() + 1);
                    int to = Math.min(text.length(), from + random.nextInt(20));
                    text = text.substring(0, to) + text.substring(from, to) + text.substring(to);
                }
                default -> text = text.replace("\"f\"", Map.of(0, "1", 1, "\"\"", 2, "null", 3, "{\"x\":1}").get(random.nextInt(4)));
            }
        }
        return text;
    }

    private static JsonNode parse(String body, String what) {
        try {
            JsonNode json = JSON.readTree(body);
            assertEquals(true, json != null && json.isObject(), what);
            return json;
        } catch (IOException notJson) {
            throw new AssertionError("Not JSON: " + what, notJson);
        }
    }
}
