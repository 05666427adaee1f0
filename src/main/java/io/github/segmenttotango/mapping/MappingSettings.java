package io.github.segmenttotango.mapping;

/**
 * The settings of the Segment to Totango mapping (spec §3 and §4).
 *
 * @param defaultPlan             plan sent on a group call without one; empty or null disables it
 * @param trackNamedPages         a page with a name sends {@code Viewed [<category> ]<name> Page}
 * @param trackCategorizedPages   a page with a category sends {@code Viewed <category> Page}
 * @param disableHeartbeat        drop {@code __heartbeat} pages
 * @param productAccountSeparator joins groupId and product id into a product account id
 * @param trackModuleFromLastPage a track without category takes the category of the user's last page
 */
public record MappingSettings(String defaultPlan, boolean trackNamedPages, boolean trackCategorizedPages,
        boolean disableHeartbeat, String productAccountSeparator, boolean trackModuleFromLastPage) {

    public static MappingSettings defaults() {
        return new MappingSettings("Free", true, true, false, "__");
    }

    /** The settings with {@code trackModuleFromLastPage} off, its default. */
    public MappingSettings(String defaultPlan, boolean trackNamedPages, boolean trackCategorizedPages,
            boolean disableHeartbeat, String productAccountSeparator) {
        this(defaultPlan, trackNamedPages, trackCategorizedPages, disableHeartbeat, productAccountSeparator, false);
    }

    public MappingSettings withTrackModuleFromLastPage(boolean on) {
        return new MappingSettings(defaultPlan, trackNamedPages, trackCategorizedPages, disableHeartbeat, productAccountSeparator, on);
    }

    public MappingSettings {
        productAccountSeparator = productAccountSeparator == null ? "" : productAccountSeparator;
    }
}
