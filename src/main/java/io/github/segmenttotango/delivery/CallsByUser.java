package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Totango calls of a batch as messages of the delivery queue: one message holds calls of one
 * user (their order key), in the order they came, at most {@link #MAX_CALLS} of them. A user's
 * messages form one message group, so they are delivered in order while other users' flow on; many
 * calls to one message is what keeps the queue's cost per call low when a user sends many events.
 */
public final class CallsByUser {

    /** The most calls in one message: a crash while delivering it sends at most these again. */
    public static final int MAX_CALLS = 100;

    private CallsByUser() {
    }

    /** The messages of a batch of calls: users in the order they first came, each user's calls in order. */
    public static List<List<TotangoCall>> split(List<TotangoCall> calls) {
        Map<String, List<TotangoCall>> byUser = new LinkedHashMap<>();
        for (TotangoCall call : calls) {
            byUser.computeIfAbsent(call.orderKey(), key -> new ArrayList<>()).add(call);
        }
        List<List<TotangoCall>> messages = new ArrayList<>();
        for (List<TotangoCall> ofUser : byUser.values()) {
            for (int from = 0; from < ofUser.size(); from += MAX_CALLS) {
                messages.add(List.copyOf(ofUser.subList(from, Math.min(ofUser.size(), from + MAX_CALLS))));
            }
        }
        return messages;
    }

    /** The message group of a message: the order key its calls share. */
    public static String orderKeyOf(List<TotangoCall> calls) {
        return calls.get(0).orderKey();
    }
}
