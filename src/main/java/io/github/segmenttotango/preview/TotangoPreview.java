package io.github.segmenttotango.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.segmenttotango.ingest.SegmentRequest;
import io.github.segmenttotango.ingest.TrackingApiAnswers.Answer;
import io.github.segmenttotango.mapping.GroupContext;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.mapping.TotangoParams;
import io.github.segmenttotango.state.GroupContextStore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Totango calls events would make, without sending anything nor changing any state: for
 * {@code POST /v1/preview} and for dry runs. A group call earlier in the same request counts for the
 * events after it, as it would for real, but the group context cache is only read. The same goes for
 * the module of the user's last page (setting {@code totango.track-module-from-last-page}): a track
 * without category shows the module of a page earlier in the request, else the remembered one.
 */
public final class TotangoPreview {

    private final SegmentToTotango mapping;
    private final GroupContextStore groupContexts;
    private final String serviceId;
    private final String url;
    private final boolean apiToken;
    private final ObjectMapper json = JsonMapper.builder().build();

    public TotangoPreview(SegmentToTotango mapping, GroupContextStore groupContexts, String serviceId, String url, boolean apiToken) {
        this.mapping = mapping;
        this.groupContexts = groupContexts;
        this.serviceId = serviceId;
        this.url = url;
        this.apiToken = apiToken;
    }

    public Answer preview(SegmentRequest request) {
        ObjectNode answer = json.createObjectNode();
        ArrayNode calls = answer.putArray("calls");
        ArrayNode notSent = answer.putArray("notSent");
        Map<String, GroupContext> overlay = new HashMap<>();
        Map<String, String> modules = new HashMap<>();
        for (JsonNode event : request.events()) {
            String type = SegmentToTotango.callType(event);
            String messageId = SegmentToTotango.messageIdOf(event);
            if (!SegmentToTotango.sendsToTotango(event)) {
                notSent.add(reason(messageId, "integrations keep this event from Totango"));
                continue;
            }
            List<TotangoCall> made;
            if ("group".equals(type)) {
                made = mapping.group(event);
                GroupContext context = mapping.groupContextOf(event);
                GroupContextStore.keysOf(event).forEach(key -> overlay.put(key, context));
            } else if (List.of("identify", "track", "page", "screen").contains(type)) {
                GroupContext cached = GroupContextStore.keysOf(event).stream().map(overlay::get).filter(c -> c != null).findFirst()
                        .orElseGet(() -> groupContexts.lookup(event));
                String account = SegmentToTotango.accountOf(event, cached);
                if (account == null) {
                    notSent.add(reason(messageId, "no_account: parked until the user's group call"));
                    continue;
                }
                made = switch (type) {
                    case "identify" -> mapping.identify(event, account);
                    case "track" -> mapping.track(event, account, lastPageModule(event, modules));
                    default -> {
                        String module = mapping.lastPageModuleOf(event);
                        if (module != null) {
                            GroupContextStore.keysOf(event).forEach(key -> modules.put(key, module));
                        }
                        yield mapping.page(event, account);
                    }
                };
            } else {
                notSent.add(reason(messageId, "Totango has no " + type + " call"));
                continue;
            }
            if (made.isEmpty()) {
                notSent.add(reason(messageId, "the settings make no call of this event"));
            }
            made.forEach(call -> calls.add(describe(call)));
        }
        request.rejected().forEach(rejected -> notSent.add(reason(rejected.messageId(), rejected.reason() + ": " + rejected.detail())));
        return new Answer(200, answer.toString());
    }

    /** The module of the last page of a track's user: one earlier in the request, else the remembered one. */
    private String lastPageModule(JsonNode track, Map<String, String> earlier) {
        if (!mapping.settings().trackModuleFromLastPage() || SegmentToTotango.namesModule(track)) {
            return null;
        }
        return GroupContextStore.keysOf(track).stream().map(earlier::get).filter(m -> m != null).findFirst()
                .orElseGet(() -> groupContexts.lastPageModule(track));
    }

    /** One call as it would be sent: method, URL and decoded parameters (the api token masked). */
    public ObjectNode describe(TotangoCall call) {
        ObjectNode described = json.createObjectNode();
        described.put("messageId", call.messageId());
        described.put("method", "POST");
        described.put("url", url);
        ObjectNode params = described.putObject("params");
        params.put(TotangoParams.SERVICE, serviceId);
        call.params().forEach(params::put);
        if (apiToken) {
            params.put(TotangoParams.API_TOKEN, "****");
        }
        return described;
    }

    private ObjectNode reason(String messageId, String why) {
        ObjectNode item = json.createObjectNode();
        item.put("messageId", messageId);
        item.put("reason", why);
        return item;
    }
}
