package io.github.segmenttotango;

import org.apache.camel.CamelContext;

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
}
