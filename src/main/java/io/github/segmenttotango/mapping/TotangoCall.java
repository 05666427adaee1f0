package io.github.segmenttotango.mapping;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One call to Totango's HTTP API: the decoded parameters in the order they are sent, plus where
 * they came from (the Segment messageId and user, for logs, ordering and dead letters).
 *
 * <p>The service id and api token are not part of it: the delivery route adds them from
 * configuration, so no event can set or change them.
 */
public record TotangoCall(String messageId, String userId, Map<String, String> params) {

    public TotangoCall {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public String param(String name) {
        return params.get(name);
    }

    /** What orders calls: the user's calls are delivered in order (a group call without user: its account's). */
    public String orderKey() {
        return userId != null ? userId : "account:" + account();
    }

    public String account() {
        return params.get(TotangoParams.ACCOUNT);
    }
}
