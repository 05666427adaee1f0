package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;
import io.github.segmenttotango.mapping.TotangoParams;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The body of one Totango call: {@code application/x-www-form-urlencoded}, the service id first,
 * the api token last when one is configured, every key and value percent-encoded (a space is
 * {@code %20}), so event data can never add or change a parameter.
 */
public final class TotangoForm {

    private final String serviceId;
    private final String apiToken;

    public TotangoForm(String serviceId, String apiToken) {
        this.serviceId = serviceId;
        this.apiToken = apiToken == null || apiToken.isBlank() ? null : apiToken;
    }

    public String encode(TotangoCall call) {
        StringBuilder form = new StringBuilder(256);
        append(form, TotangoParams.SERVICE, serviceId);
        for (Map.Entry<String, String> param : call.params().entrySet()) {
            if (!param.getKey().equals(TotangoParams.SERVICE) && !param.getKey().equals(TotangoParams.API_TOKEN)) {
                append(form, param.getKey(), param.getValue());
            }
        }
        if (apiToken != null) {
            append(form, TotangoParams.API_TOKEN, apiToken);
        }
        return form.toString();
    }

    private static void append(StringBuilder form, String key, String value) {
        if (form.length() > 0) {
            form.append('&');
        }
        percentEncode(form, key);
        form.append('=');
        percentEncode(form, value);
    }

    /**
     * Appends {@code text} as {@link URLEncoder} encodes it in UTF-8, but with a space as {@code %20}:
     * letters, digits and {@code .-*_} as they are, every other character as the {@code %XX} of its
     * UTF-8 bytes (a lone surrogate as {@code ?}, {@code %3F}). Written into the form directly: one
     * call has a dozen parameters, and URLEncoder makes a writer, a builder and a string for each.
     */
    static void percentEncode(StringBuilder form, String text) {
        int length = text.length();
        int i = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (isSafe(c)) {
                form.append(c);
                i++;
            } else if (c == ' ') {
                form.append("%20");
                i++;
            } else {
                int end = i + 1;
                while (end < length && !isSafe(text.charAt(end)) && text.charAt(end) != ' ') {
                    end++;
                }
                for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    form.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
                i = end;
            }
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean isSafe(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == '*' || c == '_';
    }
}
