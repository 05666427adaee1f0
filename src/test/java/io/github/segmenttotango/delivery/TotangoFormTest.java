package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;

import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The body of a Totango call. */
class TotangoFormTest {

    private static String urlEncoder(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String percentEncoded(String text) {
        StringBuilder encoded = new StringBuilder();
        TotangoForm.percentEncode(encoded, text);
        return encoded.toString();
    }

    @Test
    void encodesAsUrlEncoderDoesWithSpacesAsPercent20() {
        for (String text : List.of("", "plain", "a b", "a+b", "x=1&y=2", "100%", "caf\u00e9", "\u65e5\u672c", "emoji \uD83D\uDE00",
                "line\nbreak\ttab", "~!@#$^()[]{}|\\:;\"'<>,?/`", ".-*_", "lone \uD800 high", "lone \uDC00 low",
                "\uDC00\uD800 reversed")) {
            assertEquals(urlEncoder(text), percentEncoded(text), text);
        }
        Random random = new Random(7);
        for (int n = 0; n < 20_000; n++) {
            char[] chars = new char[random.nextInt(12)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000) : (char) (32 + random.nextInt(96));
            }
            String text = new String(chars);
            assertEquals(urlEncoder(text), percentEncoded(text), () -> "chars " + text.chars().boxed().toList());
        }
    }

    @Test
    void theServiceIdComesFirstTheTokenLastAndTheCallCannotSetEither() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("sdr_s", "SP-OTHER");
        params.put("sdr_u", "user 1");
        params.put("sdr_odn", "Acme & Co");
        params.put("api-token", "stolen");
        TotangoForm form = new TotangoForm("SP-1", "secret token");
        assertEquals("sdr_s=SP-1&sdr_u=user%201&sdr_odn=Acme%20%26%20Co&api-token=secret%20token",
                form.encode(new TotangoCall("m1", "u1", params)));
    }
}
