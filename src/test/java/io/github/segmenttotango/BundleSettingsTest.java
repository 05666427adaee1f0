package io.github.segmenttotango;

import io.github.segmenttotango.util.SettingValues;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config/application.properties is the one source of the defaults: a key it lacks stops the start, named. */
class BundleSettingsTest {

    private static Map<String, String> shipped(Path data) throws Exception {
        Properties file = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("config/application.properties"))) {
            file.load(in);
        }
        Map<String, String> settings = new HashMap<>();
        file.stringPropertyNames().forEach(key -> settings.put(key, file.getProperty(key)));
        settings.put("totango.service-id", "SP-TEST");
        settings.put("bridge.data-dir", data.toString());
        settings.put("inbox.dir", data.resolve("inbox").toString());
        return settings;
    }

    @Test
    void theShippedFileGivesEverySettingItsDefault(@TempDir Path data) throws Exception {
        BundleSettings settings = BundleSettings.read(shipped(data)::get);
        assertEquals("https://sdr.totango.com/pixel.gif/", settings.totangoUrl(), "an empty totango.url: the region's endpoint");
        assertEquals(BundleSettings.ROUTE_DURATIONS.size(), settings.durations().size());
        assertEquals(Duration.ofSeconds(2), settings.durations().get("inbox.settle-time"));
        assertTrue(settings.deadLetterMaxBytes() > 0, "an empty bridge.dead-letter.max-bytes: a share of the disk");
    }

    @Test
    void aSettingMissingFromTheFileStopsTheStartNamingIt(@TempDir Path data) throws Exception {
        for (String key : new String[] {"delivery.max-backlog", "segment.dedup-window", "totango.region", "inbox.done-marker", "segment.cors.allowed-origins"}) {
            Map<String, String> settings = shipped(data);
            settings.remove(key);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> BundleSettings.read(settings::get));
            assertTrue(refused.getMessage().startsWith(key + " is not set") && refused.getMessage().contains("config/application.properties")
                    && refused.getMessage().contains(SettingValues.environmentVariable(key)), refused.getMessage());
        }
    }
}
