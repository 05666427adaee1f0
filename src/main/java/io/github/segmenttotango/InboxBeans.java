package io.github.segmenttotango;

import io.github.segmenttotango.inbox.InboxFileReader;

import org.apache.camel.CamelContext;

import java.time.Clock;

/** The file drop (routes/file-ingest.yaml): {@code inboxFiles}. */
final class InboxBeans {

    private InboxBeans() {
    }

    static void bind(CamelContext context, BundleSettings settings, Clock clock) {
        context.getRegistry().bind("inboxFiles", new InboxFileReader(settings.inboxDir(), settings.limits(), clock,
                settings.durations().get("inbox.settle-time"), settings.inboxDoneMarker()));
    }
}
