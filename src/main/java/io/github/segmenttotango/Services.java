package io.github.segmenttotango;

import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.StartupListener;

/** Services the bundle starts itself: each stops with the bundle, after its routes, in the reverse order of their adding. */
final class Services {

    private Services() {
    }

    static <T> T add(CamelContext context, T service, String what) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot register " + what + ": " + e.getMessage(), e);
        }
        return service;
    }

    /** Starts a service that hands work to routes once the routes run (when the context has fully started). */
    static void startOnceRoutesRun(CamelContext context, Service service) throws Exception {
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // not yet: the routes may not run
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                service.start();
            }
        });
    }
}
