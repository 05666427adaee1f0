package io.github.segmenttotango.mapping;

/**
 * The settings of the Segment to Totango mapping (spec §3 and §4).
 *
 * @param defaultPlan             plan sent on a group call without one; empty or null disables it
 * @param trackNamedPages         a page with a name sends {@code Viewed [<category> ]<name> Page}
 * @param trackCategorizedPages   a page with a category sends {@code Viewed <category> Page}
 * @param disableHeartbeat        drop {@code __heartbeat} pages
 * @param productAccountSeparator joins groupId and product id into a product account id
 */
public record MappingSettings(String defaultPlan, boolean trackNamedPages, boolean trackCategorizedPages,
        boolean disableHeartbeat, String productAccountSeparator) {

    public static MappingSettings defaults() {
        return new MappingSettings("Free", true, true, false, "__");
    }

    public MappingSettings {
        productAccountSeparator = productAccountSeparator == null ? "" : productAccountSeparator;
    }
}
