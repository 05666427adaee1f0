package io.github.segmenttotango;

import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.routing.EventFacts;
import io.github.segmenttotango.routing.TotangoCallsOfEvent;
import io.github.segmenttotango.state.GroupContextStore;

import org.apache.camel.CamelContext;

/**
 * The mapping and what the event router asks of each event ({@code ref:} in routes/event-routing.yaml):
 * {@code segmentToTotango}, {@code totangoCalls}, {@code callTypeOfEvent}, {@code eventGoesToTotango}, {@code accountOfEvent},
 * {@code lastPageModuleOfEvent}, {@code countAccepted}, {@code countDelivered}.
 */
final class MappingBeans {

    private MappingBeans() {
    }

    static SegmentToTotango bind(CamelContext context, BundleSettings settings, GroupContextStore groupContexts, BundleMetrics metrics) {
        SegmentToTotango mapping = new SegmentToTotango(settings.mapping());
        context.getRegistry().bind("segmentToTotango", mapping);
        context.getRegistry().bind("totangoCalls", new TotangoCallsOfEvent(mapping));
        context.getRegistry().bind("callTypeOfEvent", EventFacts.callType());
        context.getRegistry().bind("eventGoesToTotango", EventFacts.sentToTotango());
        context.getRegistry().bind("accountOfEvent", EventFacts.account(groupContexts));
        context.getRegistry().bind("lastPageModuleOfEvent", EventFacts.lastPageModule(groupContexts));
        context.getRegistry().bind("countAccepted", metrics.countsAccepted());
        context.getRegistry().bind("countDelivered", metrics.countsDelivered());
        return mapping;
    }
}
