package io.github.segmenttotango;

import io.github.segmenttotango.util.RootCause;

import org.apache.camel.main.Main;


/**
 * Starts the bundle: settings from {@code config/application.properties} (each overridable by an
 * environment variable), routes from {@code routes/*.yaml}, both read from the working folder so an
 * operator can change them without rebuilding.
 */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        keepNettyHeapBuffersUnpooled();
        Main main = newMain();
        stopGracefullyOnSigterm(main);
        try {
            main.run(args);
        } catch (Exception failure) {
            System.err.println("segment-totango cannot start: " + RootCause.messageOf(failure));
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * Netty's shared allocator (the broker's in-VM transport and Vert.x take their heap buffers from
     * it) keeps a 4 MB chunk per arena and thread cache, and holds on to chunks once used: about 40 MB
     * of a 256 MB heap that the collector marks again and again, though nearly empty. Those buffers
     * live for one message; unpooled, they are short-lived garbage instead. A
     * {@code -Dio.netty.allocator.numHeapArenas} of the operator's own wins.
     */
    static void keepNettyHeapBuffersUnpooled() {
        if (System.getProperty("io.netty.allocator.numHeapArenas") == null) {
            System.setProperty("io.netty.allocator.numHeapArenas", "0");
        }
    }

    /**
     * SIGTERM (systemd, Kubernetes) stops the bundle the graceful way and exits 0: ingest answers 503
     * from then on (RefuseIngestWhileStopping), calls to Totango in flight get delivery.stop-grace,
     * and what is not delivered stays in the durable queue for the next start (PutBackOnStop).
     */
    private static void stopGracefullyOnSigterm(Main main) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> main.completed());
        } catch (IllegalArgumentException unsupported) {
            // no SIGTERM on this platform: Camel's shutdown hook still stops the bundle
        }
    }

    /** The bundle as {@code main} runs it; tests start this same Main with a few settings overridden. */
    public static Main newMain() {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        main.configure().withRoutesIncludePattern("file:routes/*.yaml");
        main.configure().addConfiguration(BundleConfiguration.class);
        return main;
    }
}
