package io.github.segmenttotango.routing;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.mapping.TotangoCall;

import org.apache.camel.Body;
import org.apache.camel.Variable;

import java.util.List;

/**
 * The mapping's calls of one event as the event router's steps ({@code bean: totangoCalls}): the
 * event is the body, its account and its user's last page module the variables the router set.
 * Camel binds these parameters by their annotations once; a method named with its arguments
 * ({@code track(${body}, ${variable.account}, ...)}) made Camel parse that text again for every
 * event, and choose among the mapping's methods of that name.
 */
public final class TotangoCallsOfEvent {

    private final SegmentToTotango mapping;

    public TotangoCallsOfEvent(SegmentToTotango mapping) {
        this.mapping = mapping;
    }

    public List<TotangoCall> identify(@Body JsonNode event, @Variable("account") String account) {
        return mapping.identify(event, account);
    }

    public List<TotangoCall> track(@Body JsonNode event, @Variable("account") String account,
            @Variable("lastPageModule") String lastPageModule) {
        return mapping.track(event, account, lastPageModule);
    }

    public List<TotangoCall> page(@Body JsonNode event, @Variable("account") String account) {
        return mapping.page(event, account);
    }

    public List<TotangoCall> group(@Body JsonNode event) {
        return mapping.group(event);
    }
}
