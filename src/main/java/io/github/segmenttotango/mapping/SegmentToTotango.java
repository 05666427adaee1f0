package io.github.segmenttotango.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.github.segmenttotango.mapping.TotangoParams.ACCOUNT;
import static io.github.segmenttotango.mapping.TotangoParams.ACCOUNT_ATTRIBUTE;
import static io.github.segmenttotango.mapping.TotangoParams.ACTIVITY;
import static io.github.segmenttotango.mapping.TotangoParams.MODULE;
import static io.github.segmenttotango.mapping.TotangoParams.PARENT_ID;
import static io.github.segmenttotango.mapping.TotangoParams.PRODUCT_ID;
import static io.github.segmenttotango.mapping.TotangoParams.USER;

/**
 * The Segment to Totango mapping of {@code shared/spec/totango-mapping.md}: a parsed Segment event
 * in, the Totango calls it makes out. Plain Java: no Camel, no I/O, no state. The group context
 * cache and the account look-up belong to the caller.
 */
public final class SegmentToTotango {

    static final String UNKNOWN = "Unknown";
    static final String HEARTBEAT = "__heartbeat";
    static final String HEARTBEAT_MODULE = "__system";
    private static final List<String> PRODUCT_SPECIAL_FIELDS = List.of("id", "account_id");

    private final MappingSettings settings;

    public SegmentToTotango(MappingSettings settings) {
        this.settings = settings;
    }

    public MappingSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- who and where

    /** The call type of an event: identify, group, track, page, screen, alias. */
    public static String callType(JsonNode event) {
        return text(event.get("type"));
    }

    /** The messageId of an event (the Tracking API gives one to every event that has none). */
    public static String messageIdOf(JsonNode event) {
        return text(event.get("messageId"));
    }

    /** The Totango user of an event: its userId, else its anonymousId; null when it has neither. */
    public static String userOf(JsonNode event) {
        String userId = text(event.get("userId"));
        return userId != null ? userId : text(event.get("anonymousId"));
    }

    /**
     * The account of an identify, track or page (spec §2): {@code context.groupId}, else the cached
     * group context of the user; null when there is none.
     */
    public static String accountOf(JsonNode event, GroupContext cached) {
        String groupId = text(event.path("context").get("groupId"));
        if (groupId != null) {
            return groupId;
        }
        return cached == null ? null : cached.activityAccount();
    }

    /**
     * Whether the event's {@code integrations} let it reach Totango (spec §4): not when
     * {@code integrations.Totango} is false, nor when {@code integrations.All} is false without
     * {@code integrations.Totango} being truthy.
     */
    public static boolean sendsToTotango(JsonNode event) {
        return Integrations.letThrough(event.get("integrations"));
    }

    /** The group context a group call leaves for its user (spec §2, §4). */
    public GroupContext groupContextOf(JsonNode group) {
        String groupId = text(group.get("groupId"));
        JsonNode product = totangoOptions(group).path("product");
        String productId = text(product.get("id"));
        return new GroupContext(groupId, productId == null ? null : productAccountId(groupId, product));
    }

    // ---------------------------------------------------------------- call types

    /** identify (spec §3): user attributes on the account of the event. */
    public List<TotangoCall> identify(JsonNode event, String account) {
        Map<String, String> params = start(account, userOf(event));
        TotangoTraits.putUserTraits(params, event.get("traits"));
        return List.of(call(event, params));
    }

    /** group (spec §3, §4): the account call, and the product account call when a product is configured. */
    public List<TotangoCall> group(JsonNode event) {
        String groupId = text(event.get("groupId"));
        String user = userOf(event);
        JsonNode traits = event.get("traits");
        JsonNode options = totangoOptions(event);
        JsonNode product = options.path("product");
        String productId = text(product.get("id"));
        boolean hierarchy = !options.path("enableHierarchy").isBoolean() || options.get("enableHierarchy").booleanValue();

        if (productId != null && !hierarchy) {
            Map<String, String> only = start(productAccountId(groupId, product), user);
            TotangoTraits.putAccountTraits(only, traits);
            only.put(PRODUCT_ID, productId);
            putDefaultPlan(only, traits);
            return List.of(call(event, only));
        }

        Map<String, String> account = start(groupId, user);
        TotangoTraits.putAccountTraits(account, traits);
        String parentId = text(options.path("parent").get("id"));
        if (parentId != null) {
            account.put(PARENT_ID, parentId);
        }
        putDefaultPlan(account, traits);
        if (productId == null) {
            return List.of(call(event, account));
        }

        Map<String, String> productAccount = start(productAccountId(groupId, product), user);
        productAccount.put(PRODUCT_ID, productId);
        productAccount.put(PARENT_ID, groupId);
        AttributeEncoder.putAll(productAccount, ACCOUNT_ATTRIBUTE, product, PRODUCT_SPECIAL_FIELDS);
        return List.of(call(event, account), call(event, productAccount));
    }

    /** track (spec §3): one activity, with the event's {@code context.traits} as user attributes. */
    public List<TotangoCall> track(JsonNode event, String account) {
        return track(event, account, null);
    }

    /**
     * track (spec §3), given the module of the user's last page (null when none): with the setting
     * {@code trackModuleFromLastPage}, a track without category is sent under that module.
     */
    public List<TotangoCall> track(JsonNode event, String account, String lastPageModule) {
        String category = text(event.path("properties").get("category"));
        Map<String, String> params = start(account, userOf(event));
        params.put(ACTIVITY, orUnknown(text(event.get("event"))));
        params.put(MODULE, orUnknown(category == null && settings.trackModuleFromLastPage() ? lastPageModule : category));
        TotangoTraits.putUserTraits(params, event.path("context").get("traits"));
        return List.of(call(event, params));
    }

    /**
     * page and screen (spec §3): a {@code Viewed <category> Page} activity and a
     * {@code Viewed [<category> ]<name> Page} activity, each as its setting allows; heartbeats as they are.
     */
    public List<TotangoCall> page(JsonNode event, String account) {
        String name = firstText(event.get("name"), event.path("properties").get("name"));
        String category = firstText(event.get("category"), event.path("properties").get("category"));
        if (HEARTBEAT.equals(name)) {
            return settings.disableHeartbeat() ? List.of() : List.of(activity(event, account, HEARTBEAT, HEARTBEAT_MODULE));
        }
        String module = orUnknown(category);
        List<TotangoCall> calls = new ArrayList<>(2);
        if (settings.trackCategorizedPages() && category != null) {
            calls.add(activity(event, account, "Viewed " + category + " Page", module));
        }
        if (settings.trackNamedPages() && name != null) {
            String activity = category != null ? "Viewed " + category + " " + name + " Page" : "Viewed " + name + " Page";
            calls.add(activity(event, account, activity, module));
        }
        return calls;
    }

    /** Whether a track names its module ({@code properties.category}); one that does not may take its user's last page's. */
    public static boolean namesModule(JsonNode track) {
        return text(track.path("properties").get("category")) != null;
    }

    /**
     * The module a page or screen leaves for its user's later tracks (setting
     * {@code trackModuleFromLastPage}): its category; null when it has none, for a heartbeat, or
     * with the setting off.
     */
    public String lastPageModuleOf(JsonNode page) {
        String name = firstText(page.get("name"), page.path("properties").get("name"));
        if (!settings.trackModuleFromLastPage() || HEARTBEAT.equals(name)) {
            return null;
        }
        return firstText(page.get("category"), page.path("properties").get("category"));
    }

    // ---------------------------------------------------------------- pieces

    private TotangoCall activity(JsonNode event, String account, String activity, String module) {
        Map<String, String> params = start(account, userOf(event));
        params.put(ACTIVITY, activity);
        params.put(MODULE, module);
        TotangoTraits.putUserTraits(params, event.path("context").get("traits"));
        return call(event, params);
    }

    private static Map<String, String> start(String account, String user) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(ACCOUNT, account);
        if (user != null) {
            params.put(USER, user);
        }
        return params;
    }

    private static TotangoCall call(JsonNode event, Map<String, String> params) {
        return new TotangoCall(text(event.get("messageId")), userOf(event), params);
    }

    private void putDefaultPlan(Map<String, String> params, JsonNode traits) {
        boolean hasPlan = traits != null && traits.hasNonNull("plan");
        String plan = settings.defaultPlan();
        if (!hasPlan && plan != null && !plan.isEmpty()) {
            params.put(ACCOUNT_ATTRIBUTE + "plan", plan);
        }
    }

    private String productAccountId(String groupId, JsonNode product) {
        String given = text(product.get("account_id"));
        return given != null ? given : groupId + settings.productAccountSeparator() + text(product.get("id"));
    }

    private static JsonNode totangoOptions(JsonNode event) {
        return event.path("integrations").path("Totango");
    }

    private static String orUnknown(String value) {
        return value == null ? UNKNOWN : value;
    }

    private static String firstText(JsonNode first, JsonNode second) {
        String value = text(first);
        return value != null ? value : text(second);
    }

    /** The text of a scalar: strings as they are, numbers and booleans as JSON text; null for empty or missing. */
    public static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode() || node.isContainerNode()) {
            return null;
        }
        String value = node.isBigDecimal() ? node.decimalValue().toString() : node.asText();
        return value.isEmpty() ? null : value;
    }
}
