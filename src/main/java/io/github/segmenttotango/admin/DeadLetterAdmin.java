package io.github.segmenttotango.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.IngestException;
import io.github.segmenttotango.ingest.IngestLimits;
import io.github.segmenttotango.ingest.SegmentEvents;
import io.github.segmenttotango.ingest.TrackingApiAnswers.Answer;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.state.DeadLetter;
import io.github.segmenttotango.state.DeadLetterStore;
import io.github.segmenttotango.state.ParkedEvents;

import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.mapping.TotangoDates;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the admin API reads and answers: dead letters listed, chosen for replay, deleted; parked events. */
public final class DeadLetterAdmin {

    private static final int MAX_PAGE = 500;

    private final DeadLetterStore deadLetters;
    private final ParkedEvents parked;
    private final IngestLimits limits;
    private final ObjectMapper json = JsonMapper.builder().build();

    public DeadLetterAdmin(DeadLetterStore deadLetters, ParkedEvents parked, IngestLimits limits) {
        this.deadLetters = deadLetters;
        this.parked = parked;
        this.limits = limits;
    }

    /** GET /admin/dead-letter?reason=&offset=&limit=: reads the files of one page only. */
    public Answer list(String reason, String offset, String limit) {
        return list(reason, null, null, offset, limit);
    }

    /**
     * GET /admin/dead-letter?reason=&since=&until=&offset=&limit=: {@code since} and {@code until} are
     * days ({@code 2026-12-01}, UTC, both included) or instants ({@code 2026-12-01T10:00:00Z}).
     */
    public Answer list(String reason, String since, String until, String offset, String limit) {
        int from = number("offset", offset, 0);
        int size = Math.min(number("limit", limit, 100), MAX_PAGE);
        DeadLetterStore.Page page = deadLetters.page(reason, time("since", since, false), time("until", until, true), from, size);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", page.total());
        body.put("offset", from);
        body.put("items", page.items());
        return answer(200, body);
    }

    /** GET /admin/parked?offset=&limit= */
    public Answer parked(String offset, String limit) {
        int from = number("offset", offset, 0);
        int size = Math.min(number("limit", limit, 100), MAX_PAGE);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", parked.count());
        body.put("offset", from);
        List<Map<String, Object>> items = new ArrayList<>();
        for (ParkedEvents.Parked one : parked.list(from, size)) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("parkedAt", TotangoDates.format(Instant.ofEpochMilli(one.parkedAt())));
            item.put("userId", SegmentToTotango.text(one.event().get("userId")));
            item.put("anonymousId", SegmentToTotango.text(one.event().get("anonymousId")));
            item.put("messageId", SegmentToTotango.text(one.event().get("messageId")));
            item.put("type", SegmentToTotango.text(one.event().get("type")));
            item.put("event", one.event());
            items.add(item);
        }
        body.put("items", items);
        return answer(200, body);
    }

    /**
     * The ids of the dead letters a replay or delete request names: {"all":true}, {"reason":"..."},
     * {"id":"..."} or {"ids":[...]} (at most 500; those gone meanwhile are skipped). Ids only: each
     * letter is read when its turn comes, so a replay of all costs no more memory than their ids.
     */
    public List<String> select(byte[] request) {
        JsonNode ask;
        try {
            ask = request == null || request.length == 0 ? json.createObjectNode() : json.readTree(request);
        } catch (IOException e) {
            throw IngestException.badRequest("invalid_json", "The body is not valid JSON");
        }
        if (ask == null || !ask.isObject()) {
            throw IngestException.badRequest("invalid_replay", SAY_WHICH);
        }
        if (ask.path("all").asBoolean(false)) {
            return allIds(null);
        }
        if (ask.hasNonNull("reason")) {
            return allIds(ask.get("reason").asText());
        }
        if (ask.hasNonNull("id")) {
            String id = ask.get("id").asText();
            if (deadLetters.load(id) == null) {
                throw new IngestException(404, "not_found", "No dead letter " + (id.length() <= 64 ? id : id.substring(0, 64) + "..."));
            }
            return List.of(id);
        }
        if (ask.has("ids")) {
            return listedIds(ask.get("ids"));
        }
        throw IngestException.badRequest("invalid_replay", SAY_WHICH);
    }

    private static final String SAY_WHICH = "Say which dead letters: {\"all\":true}, {\"reason\":\"...\"}, {\"id\":\"...\"} or {\"ids\":[...]}";

    private static List<String> listedIds(JsonNode ids) {
        if (!ids.isArray() || ids.isEmpty() || ids.size() > MAX_PAGE) {
            throw IngestException.badRequest("invalid_replay", "ids must be a list of 1 to " + MAX_PAGE + " dead-letter ids");
        }
        List<String> listed = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual()) {
                throw IngestException.badRequest("invalid_replay", "ids must be a list of 1 to " + MAX_PAGE + " dead-letter ids");
            }
            if (!listed.contains(id.asText())) {
                listed.add(id.asText());
            }
        }
        return listed;
    }

    private List<String> allIds(String reason) {
        List<String> ids = new ArrayList<>();
        for (List<String> page = deadLetters.ids(reason, 0, MAX_PAGE); !page.isEmpty();
                page = deadLetters.ids(reason, ids.size(), MAX_PAGE)) {
            ids.addAll(page);
        }
        return ids;
    }

    /** The dead letter a replay takes in its turn; null when it is gone meanwhile. */
    public DeadLetter load(String id) {
        return deadLetters.load(id);
    }

    /**
     * Whether a dead letter holds a Totango call (a failed delivery) rather than a Segment event: its
     * kind, which the store sets, never what its payload looks like.
     */
    public boolean holdsCall(DeadLetter letter) {
        return letter != null && letter.holdsCall();
    }

    /** The Totango call of a failed delivery, as a one-call list for the delivery queue. */
    public List<TotangoCall> callOf(DeadLetter letter) {
        return List.of(json.convertValue(letter.payload(), TotangoCall.class));
    }

    /** The Segment event of a dead letter, or null when it holds a call or is still not a valid event. */
    public ObjectNode eventOf(DeadLetter letter) {
        if (letter == null || letter.holdsCall()) {
            return null;
        }
        JsonNode event = json.valueToTree(letter.payload());
        return SegmentEvents.problemOf(event, 0, limits.maxEventBytes()) == null ? (ObjectNode) event : null;
    }

    /** The answer to a replay: how many went back into the pipeline, how many are still invalid events. */
    public Answer replayed(List<String> outcomes) {
        long replayed = outcomes.stream().filter("replayed"::equals).count();
        long gone = outcomes.stream().filter("gone"::equals).count();
        return answer(200, Map.of("replayed", replayed, "stillInvalid", outcomes.size() - replayed - gone));
    }

    /** POST /admin/dead-letter/delete with the body of a replay: deletes the letters it names; answers {"deleted"}. */
    public Answer deleteSelected(byte[] request) {
        long deleted = select(request).stream().filter(deadLetters::delete).count();
        return answer(200, Map.of("deleted", deleted));
    }

    /** DELETE /admin/dead-letter/{id} */
    public Answer delete(String id) {
        if (!deadLetters.delete(id)) {
            throw new IngestException(404, "not_found", "No dead letter " + id);
        }
        return answer(200, Map.of("deleted", id));
    }

    private Answer answer(int status, Object body) {
        try {
            return new Answer(status, json.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A day (UTC; {@code end}: the start of the next, so the day is included) or an instant, as epoch millis; null when not given. */
    private static Long time(String name, String value, boolean end) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String given = value.trim();
        try {
            if (given.length() == 10) {
                LocalDate day = LocalDate.parse(given);
                return (end ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            }
            return Instant.parse(given).toEpochMilli();
        } catch (DateTimeException notATime) {
            throw IngestException.badRequest("invalid_parameter", name + " must be a day (2026-12-01) or an instant (2026-12-01T10:00:00Z)");
        }
    }

    private static int number(String name, String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException notANumber) {
            // below
        }
        throw IngestException.badRequest("invalid_parameter", name + " must be a whole number of 0 or more");
    }
}
