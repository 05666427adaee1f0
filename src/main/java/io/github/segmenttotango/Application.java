package io.github.segmenttotango;

import org.apache.camel.main.Main;

/**
 * Starts the bundle: settings from {@code config/application.properties} (each overridable by an
 * environment variable), routes from {@code routes/*.yaml}, both read from the working folder so an
 * operator can change them without rebuilding.
 */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        newMain().run(args);
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
