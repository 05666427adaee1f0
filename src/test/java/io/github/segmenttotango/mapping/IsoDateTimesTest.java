package io.github.segmenttotango.mapping;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The digit-by-digit reading and writing give what Java's ISO formatter gives, text by text. */
class IsoDateTimesTest {

    private static final DateTimeFormatter OUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private static OffsetDateTime javas(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException notIso) {
            return null;
        }
    }

    @Test
    void readsWhatSegmentsLibrariesSend() {
        assertEquals(OffsetDateTime.of(2024, 3, 1, 10, 20, 30, 123_000_000, ZoneOffset.UTC),
                IsoDateTimes.common("2024-03-01T10:20:30.123Z"));
        assertEquals(OffsetDateTime.of(2024, 3, 1, 10, 20, 30, 0, ZoneOffset.ofHoursMinutes(-5, -30)),
                IsoDateTimes.common("2024-03-01T10:20:30-05:30"));
        assertEquals(OffsetDateTime.of(2024, 2, 29, 0, 0, 0, 1, ZoneOffset.ofHours(14)),
                IsoDateTimes.common("2024-02-29t00:00:00.000000001+14:00"));
    }

    @Test
    void leavesEveryOtherFormToJava() {
        for (String text : List.of("2024-03-01T10:20Z", "2024-03-01T10:20:30", "2024-03-01 10:20:30Z", "+12024-03-01T10:20:30Z",
                "2024-03-01T10:20:30.Z", "2024-03-01T10:20:30.1234567891Z", "2024-03-01T10:20:30+01:00:30", "2024-03-01T10:20:30+0100",
                "2023-02-29T10:20:30Z", "2024-13-01T10:20:30Z", "2024-03-01T24:00:00Z", "2024-03-01T10:20:60Z", "2024-03-01T10:20:30+19:00",
                "2024-03-01T10:20:30.5", "２０２４-03-01T10:20:30Z")) {
            assertNull(IsoDateTimes.common(text), text);
            assertEquals(javas(text), IsoDateTimes.parse(text), text);
        }
        assertNotNull(IsoDateTimes.parse("2024-03-01T10:20Z"));
        assertNull(IsoDateTimes.parse(null));
        assertNull(IsoDateTimes.parse("yesterday"));
    }

    @Test
    void readsAsJavaDoesTextByText() {
        Random random = new Random(25);
        List<String> texts = new ArrayList<>();
        String alphabet = "0123456789-:.TtZz+ ";
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong() % 253_402_300_799L;
            StringBuilder text = new StringBuilder(OffsetDateTime.ofInstant(Instant.ofEpochSecond(Math.abs(seconds), random.nextInt(1_000_000_000)),
                    ZoneOffset.ofTotalSeconds((random.nextInt(73) - 36) * 15 * 60)).toString());
            // a few changes to what Java writes: a character replaced, removed or added
            for (int change = random.nextInt(3); change > 0 && text.length() > 0; change--) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(3)) {
                    case 0 -> text.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> text.deleteCharAt(at);
                    default -> text.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            texts.add(text.toString());
        }
        int read = 0;
        for (String text : texts) {
            OffsetDateTime expected = javas(text);
            assertEquals(expected, IsoDateTimes.parse(text), text);
            if (expected != null) {
                read++;
            }
        }
        assertTrue(read > 50_000, "the corpus holds dates: " + read);
    }

    @Test
    void writesAsTheFormatterDoes() {
        Random random = new Random(17);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-62_135_596_800L),
                Instant.ofEpochSecond(-62_135_596_801L), Instant.ofEpochSecond(253_402_300_799L, 999_999_999),
                Instant.ofEpochSecond(253_402_300_800L), Instant.ofEpochMilli(-1), Instant.parse("2024-02-29T23:59:59.999999Z")));
        for (int i = 0; i < 200_000; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong() % 300_000_000_000L, random.nextInt(1_000_000_000)));
        }
        for (Instant instant : instants) {
            assertEquals(OUT.format(instant), IsoDateTimes.format(instant), instant.toString());
        }
        assertEquals("2024-03-01T10:20:30.123Z", TotangoDates.format(Instant.parse("2024-03-01T10:20:30.123456Z")));
    }
}
