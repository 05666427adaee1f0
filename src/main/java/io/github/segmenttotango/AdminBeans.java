package io.github.segmenttotango;

import io.github.segmenttotango.admin.AdminAccess;
import io.github.segmenttotango.admin.DeadLetterAdmin;
import io.github.segmenttotango.ingest.RequestHeadersOnly;
import io.github.segmenttotango.mapping.SegmentToTotango;
import io.github.segmenttotango.preview.TotangoPreview;

import org.apache.camel.CamelContext;

/** The admin API and the preview: {@code adminRequestHeaders}, {@code adminAccess}, {@code deadLetterAdmin}, {@code totangoPreview}. */
final class AdminBeans {

    private AdminBeans() {
    }

    static void bind(CamelContext context, BundleSettings settings, StateBeans.Stores stores, SegmentToTotango mapping) {
        context.getRegistry().bind("totangoPreview", new TotangoPreview(mapping, stores.groupContexts(), settings.serviceId(),
                settings.totangoUrl(), !settings.apiToken().isEmpty()));
        // the first step of each admin route: headers from the request itself, never its query string
        context.getRegistry().bind("adminRequestHeaders", new RequestHeadersOnly("/admin/dead-letter/{id}"));
        context.getRegistry().bind("adminAccess", new AdminAccess(
                Setting.of(context, "bridge.admin-token")));
        context.getRegistry().bind("deadLetterAdmin", new DeadLetterAdmin(stores.deadLetters(), stores.parked(), settings.limits()));
    }
}
