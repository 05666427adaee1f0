package io.github.segmenttotango.mapping;

/** The names of Totango's HTTP ("SDR") API parameters. */
public final class TotangoParams {
    public static final String SERVICE = "sdr_s";
    public static final String ACCOUNT = "sdr_o";
    public static final String USER = "sdr_u";
    public static final String ACTIVITY = "sdr_a";
    public static final String MODULE = "sdr_m";
    public static final String ACCOUNT_NAME = "sdr_odn";
    public static final String ACCOUNT_ATTRIBUTE = "sdr_o.";
    public static final String USER_ATTRIBUTE = "sdr_u.";
    public static final String PARENT_ID = "sdr_o.parent_id";
    public static final String PRODUCT_ID = "sdr_o.product_id";
    public static final String API_TOKEN = "api-token";
    public static final String CREATE_DATE = "Create Date";

    private TotangoParams() {
    }
}
