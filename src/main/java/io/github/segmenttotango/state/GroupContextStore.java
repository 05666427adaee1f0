package io.github.segmenttotango.state;

import io.github.segmenttotango.mapping.GroupContext;
import io.github.segmenttotango.mapping.SegmentToTotango;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The group context cache of spec §2: per user (userId, then anonymousId) the account and product
 * account of the user's last group call; and, beside it (setting
 * {@code totango.track-module-from-last-page}, spec §3 track), the module of the user's last page.
 * {@link GroupContextTable} keeps them in the state database; a store shared by several nodes
 * implements the same.
 */
public interface GroupContextStore {

    /** The group context of the event's user: by userId, then by anonymousId; null when none. */
    GroupContext lookup(JsonNode event);

    /** Remembers the context of a group call for its userId and its anonymousId. */
    void remember(JsonNode group, GroupContext context);

    /** The module of the last page with a category of the event's user: by userId, then by anonymousId; null when none. */
    String lastPageModule(JsonNode event);

    /** Remembers the module of a page for its userId and its anonymousId; nothing when the module is null. */
    void rememberLastPageModule(JsonNode page, String module);

    /** Drops expired entries, then the oldest beyond the bound; returns how many went. */
    int expire();

    /** The keys of an event's user, in look-up order: its userId, then its anonymousId. */
    static List<String> keysOf(JsonNode event) {
        String userId = SegmentToTotango.text(event.get("userId"));
        String anonymousId = SegmentToTotango.text(event.get("anonymousId"));
        List<String> keys = new ArrayList<>(2);
        if (userId != null) {
            keys.add("user:" + userId);
        }
        if (anonymousId != null) {
            keys.add("anon:" + anonymousId);
        }
        return keys;
    }
}
