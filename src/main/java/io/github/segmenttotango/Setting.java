package io.github.segmenttotango;

import io.github.segmenttotango.util.SettingValues;

import org.apache.camel.CamelContext;

/** One setting as Camel resolves it (the properties file, overridden by the environment); missing: an error naming it. */
final class Setting {

    private Setting() {
    }

    static String of(CamelContext context, String key) {
        return SettingValues.text(name -> context.getPropertiesComponent().resolveProperty(name).orElse(null), key);
    }
}
