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
        form.append(encode(key)).append('=').append(encode(value));
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
