package io.github.segmenttotango;

import io.github.segmenttotango.delivery.CutCallsOnStop;
import io.github.segmenttotango.delivery.Outbox;
import io.github.segmenttotango.delivery.PrepareRetry;
import io.github.segmenttotango.delivery.TotangoAnswers;
import io.github.segmenttotango.delivery.TotangoForm;
import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.metrics.BundleMetrics;
import io.github.segmenttotango.state.ParkedEvents;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.TypeConverterSupport;

/**
 * Delivery to Totango (routes/delivery.yaml): {@code totangoAnswers}, {@code prepareRetry},
 * {@code encodeTotangoForm}, the cut of calls in flight at a stop, and how a request's Outbox
 * releases parked events.
 */
final class DeliveryBeans {

    private DeliveryBeans() {
    }

    static void bind(CamelContext context, BundleSettings settings, BundleMetrics metrics) {
        context.getRegistry().bind("totangoAnswers", new TotangoAnswers(settings.durations().get("delivery.retry.window")));
        context.getRegistry().bind("prepareRetry", new PrepareRetry(settings.durations().get("delivery.retry.window"), metrics));
        context.getManagementStrategy().addEventNotifier(new CutCallsOnStop(context, settings.durations().get("delivery.stop-grace")));
        TotangoForm form = new TotangoForm(settings.serviceId(), settings.apiToken());
        // the step that turns the call in the body into its form (routes/delivery.yaml)
        context.getRegistry().bind("encodeTotangoForm", (Processor) exchange ->
                exchange.getMessage().setBody(form.encode(exchange.getMessage().getMandatoryBody(TotangoCall.class))));
        // the request's Outbox is what releases parked events (release-parked-events in routes/event-routing.yaml)
        context.getTypeConverterRegistry().addTypeConverter(ParkedEvents.Releases.class, Outbox.class, new ReleasesOfOutbox());
    }

    /** An Outbox releases parked events as {@link ParkedEvents.Releases} says (the store knows no Outbox). */
    private static final class ReleasesOfOutbox extends TypeConverterSupport {
        @Override
        public <T> T convertTo(Class<T> type, Exchange exchange, Object value) {
            Outbox outbox = (Outbox) value;
            return type.cast((ParkedEvents.Releases) outbox::release);
        }
    }
}
