package io.github.segmenttotango;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.segmenttotango.support.RunningBundle;
import io.github.segmenttotango.support.TotangoStandIn;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator's kit in deploy/: the Grafana dashboard and the Prometheus alert rules name only
 * metrics the running bundle serves at /observe/metrics, and promtool (when installed) takes the rules.
 */
class DashboardAndAlertsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DASHBOARD = Path.of("deploy/grafana/segment-totango.json");
    private static final Path ALERTS = Path.of("deploy/prometheus/alerts.yaml");

    /** Names the expressions may use that the bundle does not serve (yet). */
    private static final Set<String> NOT_SERVED_BY_THE_BUNDLE = Set.of(
            // added by issue 24 (the delivery rewrite): calls in flight and the current AIMD limit
            "totango_calls_in_flight", "totango_calls_in_flight_limit",
            // Prometheus's own, per scrape target: whether the scrape succeeded
            "up");

    @Test
    void everyMetricTheDashboardAndTheRulesNameExists() throws Exception {
        List<String> expressions = new ArrayList<>(dashboardExpressions());
        expressions.addAll(ruleExpressions());
        assertTrue(expressions.size() >= 20, "the dashboard and rules have their expressions: " + expressions);

        Set<String> named = new TreeSet<>();
        expressions.forEach(expression -> named.addAll(metricNames(expression)));
        assertTrue(named.contains("totango_delivery_latency_seconds_bucket"), "names are read from the expressions: " + named);

        Set<String> served;
        try (TotangoStandIn totango = new TotangoStandIn(); RunningBundle bundle = RunningBundle.start(totango)) {
            // meters that exist from their first use on: a delivered call, an accepted event, a dead letter
            RunningBundle.accepted(bundle.post("/v1/batch", """
                    {"batch":[{"type":"track","userId":"kit-u","event":"Kit","context":{"groupId":"kit-g"}},
                              {"type":"track","event":"No user","messageId":"kit-bad"}]}"""));
            totango.awaitUser("kit-u", 1);
            bundle.awaitDeadLetter("invalid_event", "kit-bad");
            served = Set.of();
            String metrics = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            // the GC pause timer exists from the first pause after the bundle's start: one (the bundle runs in this JVM)
            System.gc();
            while (!served.containsAll(Set.of("totango_delivery_latency_seconds_bucket", "segment_dead_letters_total",
                    "jvm_gc_pause_seconds_count")) && System.nanoTime() < deadline) {
                metrics = bundle.send(bundle.request("/observe/metrics").GET().build()).body();
                served = servedNames(metrics);
                TotangoStandIn.sleep(50);
            }
            // the gauges this issue adds say something true
            assertTrue(metrics.contains("\nbridge_ready 1.0"), metrics);
            double free = value(metrics, "bridge_data_disk_free_bytes");
            assertTrue(free > 0 && free < value(metrics, "bridge_data_disk_total_bytes"), metrics);
            assertTrue(metrics.contains("bridge_queue_size_bytes{queue=\"events\"}")
                    && metrics.contains("bridge_queue_limit_bytes{queue=\"delivery\"} 1.073741824E9"), metrics);
        }
        Set<String> missing = new TreeSet<>(named);
        missing.removeAll(served);
        missing.removeAll(NOT_SERVED_BY_THE_BUNDLE);
        assertEquals(Set.of(), missing, "metrics named in " + DASHBOARD + " or " + ALERTS + " that /observe/metrics does not serve; it serves " + served);
    }

    @Test
    void theDashboardIsAGrafanaDashboardOverAPrometheusDatasourceVariable() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        assertEquals("segment-totango", dashboard.path("uid").asText());
        JsonNode datasource = null;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("datasource".equals(variable.path("type").asText())) {
                datasource = variable;
            }
        }
        assertTrue(datasource != null && "prometheus".equals(datasource.path("query").asText()), "a Prometheus datasource variable");
        String variable = "${" + datasource.path("name").asText() + "}";
        for (JsonNode panel : panels(dashboard)) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(variable, panel.path("datasource").path("uid").asText(), "panel " + panel.path("title") + " reads the variable's datasource");
            assertFalse(panel.path("targets").isEmpty(), "panel " + panel.path("title") + " has a query");
        }
    }

    @Test
    void everyRuleHasASummaryAndARunbook() throws Exception {
        int rules = 0;
        for (Map<String, Object> rule : rules()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
            assertTrue(annotations != null && annotations.get("summary") != null && annotations.get("runbook") != null,
                    "rule " + rule.get("alert") + " has a summary and a runbook annotation");
            rules++;
        }
        assertTrue(rules >= 6, "the six alerts of issue 27 at least: " + rules);
    }

    @Test
    void promtoolTakesTheRules() throws Exception {
        String promtool = onPath("promtool");
        assumeTrue(promtool != null, "promtool is not on the PATH (Debian package prometheus): the rules are not checked by it");
        Process check = new ProcessBuilder(promtool, "check", "rules", ALERTS.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, check.exitValue(), output);
        assertTrue(output.contains("SUCCESS"), output);
    }

    // ---------------------------------------------------------------- reading the kit

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    /** The panels' queries, and the metric of each variable's {@code label_values(metric, label)}. */
    private static List<String> dashboardExpressions() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
        }
        Pattern labelValues = Pattern.compile("label_values\\((.*),\\s*\\w+\\s*\\)");
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            Matcher query = labelValues.matcher(variable.path("query").path("query").asText(variable.path("query").asText()));
            if (query.matches()) {
                expressions.add(query.group(1));
            }
        }
        return expressions;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws Exception {
        Map<String, Object> file = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(ALERTS));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return rules;
    }

    private static List<String> ruleExpressions() throws Exception {
        return rules().stream().map(rule -> String.valueOf(rule.get("expr"))).toList();
    }

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan");

    /**
     * The metric names of a PromQL expression: its identifiers without string literals, label
     * matchers, ranges, grouping label lists, Grafana variables, numbers, keywords and functions.
     */
    static Set<String> metricNames(String expression) {
        String bare = expression
                .replaceAll("\"(\\\\.|[^\"\\\\])*\"", " ")
                .replaceAll("'(\\\\.|[^'\\\\])*'", " ")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^\\]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\$\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(bare);
        while (identifier.find()) {
            String name = identifier.group(1);
            if (identifier.group(2) == null && !KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }

    /** The sample names of a Prometheus text exposition (histograms' _bucket, _count and _sum included). */
    private static Set<String> servedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static double value(String exposition, String name) {
        Matcher sample = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(exposition);
        assertTrue(sample.find(), name + " in " + exposition);
        return Double.parseDouble(sample.group(1));
    }

    private static String onPath(String command) {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File file = new File(folder, command);
            if (file.isFile() && file.canExecute()) {
                return file.getAbsolutePath();
            }
        }
        return null;
    }

    @Test
    void metricNamesAreReadFromPromQl() {
        assertEquals(Set.of("a_total", "b_bucket", "c"), metricNames(
                "sum by (le, type) (rate(a_total{type=~\"x|y\"}[$__rate_interval])) / on(job) group_left histogram_quantile(0.99, "
                        + "sum(rate(b_bucket[5m])) by (le)) > 1e3 and c offset 5m unless $var"));
    }
}
