package io.github.segmenttotango.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Processor;
import org.apache.camel.support.ExpressionAdapter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON answers of the Tracking API: what was accepted, or why the request was refused. */
public final class TrackingApiAnswers {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int MAX_LISTED_ERRORS = 20;

    /** A status and the JSON body that goes with it. */
    public record Answer(int status, String json) {
    }

    /**
     * The HTTP status of the answer in the body, as an expression the routes name with {@code ref:}
     * (a {@code method:} expression evaluates on a copy of the exchange, once per request).
     */
    public static Expression statusOfBody() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                return exchange.getMessage().getBody(Answer.class).status();
            }
        };
    }

    /** The JSON body of an answer. */
    public String jsonOf(Answer answer) {
        return answer.json();
    }

    /** {@link #jsonOf} as a route step, without bean binding per request: the body, an answer, becomes its JSON. */
    public Processor writesJson() {
        return exchange -> exchange.getMessage().setBody(jsonOf(exchange.getMessage().getMandatoryBody(Answer.class)));
    }

    /** {@link #accepted} as a route step: the body, a {@link SegmentRequest}, becomes the answer. */
    public Processor answersAccepted() {
        return exchange -> exchange.getMessage().setBody(accepted(exchange.getMessage().getMandatoryBody(SegmentRequest.class)));
    }

    /**
     * 200 with {@code {"success":true}} and the counts; when a batch's events were all refused, 400.
     * Refused events are listed (the first ones) with their index and reason.
     */
    public Answer accepted(SegmentRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean allRefused = request.events().isEmpty() && !request.rejected().isEmpty();
        if (allRefused) {
            body.put("code", "invalid_events");
            body.put("message", "No event of the batch is valid");
        } else {
            body.put("success", true);
        }
        body.put("accepted", request.accepted());
        body.put("rejected", request.rejected().size());
        if (!request.rejected().isEmpty()) {
            List<Map<String, Object>> errors = request.rejected().stream().limit(MAX_LISTED_ERRORS).map(rejected -> {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("index", rejected.index());
                if (rejected.messageId() != null) {
                    error.put("messageId", rejected.messageId());
                }
                error.put("reason", rejected.detail());
                return error;
            }).toList();
            body.put("errors", errors);
        }
        return new Answer(allRefused ? 400 : 200, write(body));
    }

    /** The answer to a refused request: the refusal's status and {@code {"code", "message"}}. */
    public Answer refusal(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IngestException refusal) {
                return new Answer(refusal.status(), write(Map.of("code", refusal.code(), "message", refusal.getMessage())));
            }
        }
        return failure(failure);
    }

    /**
     * A request no Tracking API route takes: 405 on a call's path (a method the API does not take),
     * else 404 {@code unknown_call}.
     */
    public Answer unknownRequest(String path) {
        String call = path == null ? "" : path.replaceFirst("^/v1/?", "").replaceFirst("/$", "");
        if (SegmentRequestReader.isCall(call)) {
            return methodNotAllowed();
        }
        String shown = path == null ? "/v1" : SegmentRequestReader.truncate(path.replaceAll("\\p{Cntrl}", "?"), 100);
        return new Answer(404, write(Map.of("code", "unknown_call", "message", "No such Tracking API call: " + shown)));
    }

    /** 503 while the Tracking API's routes are not there: the bundle is starting, or stopping. */
    public Answer unavailable(boolean stopping) {
        return new Answer(503, write(Map.of("code", stopping ? "shutting_down" : "starting", "message", stopping
                ? "The bundle is stopping; send again in a moment" : "The bundle is starting; send again in a moment")));
    }

    /** Tracking API calls are POSTs only. */
    public Answer methodNotAllowed() {
        return new Answer(405, write(Map.of("code", "method_not_allowed", "message", "Tracking API calls are sent with POST")));
    }

    /** A browser's preflight from a web page whose origin segment.cors.allowed-origins does not list. */
    public Answer originNotAllowed() {
        return new Answer(403, write(Map.of("code", "origin_not_allowed",
                "message", "Web pages of this origin may not call the Tracking API (segment.cors.allowed-origins)")));
    }

    /** An unexpected failure: a 500 that says so, never a stack trace; 503 when the delivery queue refused. */
    public Answer failure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String name = cause.getClass().getName();
            if (name.startsWith("org.springframework.jms.") || name.startsWith("jakarta.jms.")) {
                return new Answer(503, write(Map.of("code", "queue_unavailable",
                        "message", "The delivery queue takes no more events now (full, or its disk is); send again later")));
            }
        }
        return new Answer(500, write(Map.of("code", "internal_error",
                "message", "The request could not be taken; it is safe to send it again")));
    }

    private static String write(Map<String, Object> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
