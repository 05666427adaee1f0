package io.github.segmenttotango.util;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** How a setting is read and named, for every package that reads its own settings. */
public final class SettingValues {

    private SettingValues() {
    }

    /**
     * The value of a setting that must be present (it may be blank), trimmed; {@code setting} answers a
     * key with its value or null. A key config/application.properties lacks is an error naming it.
     */
    public static String text(Function<String, String> setting, String key) {
        String value = setting.apply(key);
        if (value == null) {
            throw new IllegalArgumentException(key + " is not set: config/application.properties gives every setting"
                    + " its default; put " + key + " back there, or set " + environmentVariable(key));
        }
        return value.trim();
    }

    /** The environment variable that overrides a setting: upper case, dots and dashes as underscores. */
    public static String environmentVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The entries of a comma-separated setting, trimmed, blank ones left out; none for null. */
    public static List<String> list(String commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(entry -> !entry.isEmpty()).toList();
    }
}
