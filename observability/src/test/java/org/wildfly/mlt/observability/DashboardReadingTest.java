package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboards as the on-call engineer reads them from a page: status first, marked (alerts, restarts,
 * deployments), linked (logs, JVM, traces), with a home page. What these tests hold cannot regress unnoticed.
 */
class DashboardReadingTest {

    private static final Pattern FIELD_LABEL = Pattern.compile("\\$\\{__field\\.labels\\.(\\w+)(?::\\w+)?}");
    private static final Pattern DASHBOARD_LINK = Pattern.compile("^/d/([\\w-]+)\\?(.*)$");
    private static final Pattern THRESHOLD = Pattern.compile(">\\s*([0-9.]+)\\s*$");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Queries of errors or latency: error ratios and rates, SLIs, percentiles, failed or dropped counts. */
    private static final Pattern ERROR_OR_LATENCY = Pattern.compile(
            "errors:|sli_error|_duration_seconds:p\\d+|histogram_quantile\\(|error_count|max_request_time|error_type!=|dropped=\"true\"");
    private static final Set<String> LINKED_PANEL_TYPES = Set.of("timeseries", "stat", "table");

    private static Dashboards.Dashboard dashboard(String uid) {
        return Dashboards.all().stream().filter(d -> d.uid().equals(uid)).findFirst().orElseThrow();
    }

    /** The panels of the first row, up to the next one. */
    private static List<JsonNode> firstRow(Dashboards.Dashboard dashboard) {
        List<JsonNode> panels = Dashboards.panels(dashboard);
        assertEquals("row", panels.get(0).path("type").asText(), dashboard.uid() + " opens with a row");
        List<JsonNode> row = new ArrayList<>();
        for (JsonNode panel : panels.subList(1, panels.size())) {
            if (panel.path("type").asText().equals("row")) {
                break;
            }
            row.add(panel);
        }
        return row;
    }

    private static String exprs(JsonNode panel) {
        List<String> exprs = new ArrayList<>();
        panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        return String.join("\n", exprs);
    }

    private static JsonNode panelReading(List<JsonNode> panels, String type, String metric) {
        return panels.stream().filter(p -> p.path("type").asText().equals(type) && exprs(p).contains(metric))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type + " reading " + metric));
    }

    private static double alertThreshold(String alert) {
        String expr = AlertRules.alerts().stream().filter(a -> a.name().equals(alert)).findFirst().orElseThrow().expr();
        Matcher matcher = THRESHOLD.matcher(expr.trim());
        assertTrue(matcher.find(), alert + " has no '> threshold': " + expr);
        return Double.parseDouble(matcher.group(1));
    }

    private static List<Double> steps(JsonNode panel) {
        List<Double> steps = new ArrayList<>();
        panel.path("fieldConfig").path("defaults").path("thresholds").path("steps")
                .forEach(s -> steps.add(s.path("value").isNull() ? Double.NEGATIVE_INFINITY : s.path("value").asDouble()));
        return steps;
    }

    /**
     * Is it broken, where, how bad: the service overview opens with a status row. Per host ready; per service and
     * host up, 5xx ratio, p95 and request rate as stats with sparklines; the firing alerts with since when. The 5xx
     * and p95 stats turn red where their alerts fire, amber before.
     */
    @Test
    void serviceOverviewOpensWithTheStatusAsTheAlertsSeeIt() {
        List<JsonNode> status = firstRow(dashboard("mlt-service-overview"));
        panelReading(status, "stat", "probe_success{job=\"health-ready\"");
        panelReading(status, "stat", "service:up:max");
        JsonNode errors = panelReading(status, "stat", "service:http_server_request_errors:ratio_rate5m");
        JsonNode latency = panelReading(status, "stat", "service:http_server_request_duration_seconds:p95_5m");
        JsonNode rate = status.stream().filter(p -> p.path("type").asText().equals("stat")
                && exprs(p).startsWith("service:http_server_requests:rate5m{")).findFirst().orElseThrow();
        panelReading(status, "table", "ALERTS_FOR_STATE");
        for (JsonNode stat : List.of(errors, latency, rate)) {
            assertEquals("area", stat.path("options").path("graphMode").asText(), stat.path("title") + ": a sparkline");
            stat.path("targets").forEach(t -> assertTrue(t.path("range").asBoolean(), stat.path("title") + ": range query"));
            assertTrue(stat.path("targets").path(0).path("legendFormat").asText().contains("{{service}} {{host}}"),
                    stat.path("title") + ": one value per service and host, as the alerts fire");
        }
        assertEquals(List.of(Double.NEGATIVE_INFINITY, alertThreshold("HighErrorRatio") / 5, alertThreshold("HighErrorRatio")),
                steps(errors), "5xx stat: green, amber, red at HighErrorRatio's threshold");
        assertEquals(List.of(Double.NEGATIVE_INFINITY, alertThreshold("HighLatencyP95") / 2, alertThreshold("HighLatencyP95")),
                steps(latency), "p95 stat: green, amber, red at HighLatencyP95's threshold");
    }

    /**
     * From an error or a latency panel, on every dashboard that has one, to the logs of that service and host
     * (warnings and errors), the JVM of that host, and the traces of that service in Jaeger. "That": a label the
     * panel's series keep is passed from the series (${__field.labels.x}, ${__data.fields.x} in tables); one they
     * do not keep is the dashboard's selection or all. Series without a service (JVM: per deployment) need no Jaeger
     * search, which takes a service.
     */
    @Test
    void errorAndLatencyPanelsLinkToLogsJvmAndTraces() {
        List<String> missing = new ArrayList<>();
        Set<String> dashboardsWithSuchPanels = new TreeSet<>();
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            if (dashboard.uid().equals("mlt-home")) {
                continue; // its host matrix is every signal at once; its host column opens that host's dashboards
            }
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                String exprs = exprs(panel);
                if (!ERROR_OR_LATENCY.matcher(exprs).find() || !LINKED_PANEL_TYPES.contains(panel.path("type").asText())) {
                    continue;
                }
                dashboardsWithSuchPanels.add(dashboard.uid());
                String name = dashboard.uid() + " / " + panel.path("title").asText();
                List<String> urls = Dashboards.dataLinks().stream()
                        .filter(l -> l.dashboardUid().equals(dashboard.uid()) && l.panel().path("id").equals(panel.path("id")))
                        .map(Dashboards.DataLink::url).toList();
                boolean byService = keeps(panel, "service");
                boolean byHost = keeps(panel, "host");
                Predicate<String> logs = u -> u.startsWith("/d/mlt-logs?") && u.contains("var-level=WARN")
                        && u.contains("var-level=ERROR") && u.contains("var-service=")
                        && (u.contains("var-host=") || u.contains("${host:queryparam}"))
                        && (!byService || passes(u, "service")) && (!byHost || passes(u, "host"));
                Predicate<String> jvm = u -> u.startsWith("/d/mlt-wildfly-jvm?") && (!byHost || passes(u, "host"));
                Predicate<String> traces = u -> u.startsWith("/explore?")
                        && (u.contains("${__field.labels.service}") || u.contains("${__data.fields.service}"));
                if (urls.stream().noneMatch(logs)) {
                    missing.add(name + " -> logs of its " + (byService ? "service, " : "") + (byHost ? "host, " : "") + "WARN and ERROR");
                }
                if (urls.stream().noneMatch(jvm)) {
                    missing.add(name + " -> JVM" + (byHost ? " of its host" : ""));
                }
                if (byService && urls.stream().noneMatch(traces)) {
                    missing.add(name + " -> Jaeger search of its service");
                }
            }
        }
        assertTrue(missing.isEmpty(), "error and latency panels without their links:\n  " + String.join("\n  ", missing));
        assertEquals(Set.of("mlt-persistence", "mlt-service-overview", "mlt-slo", "mlt-telemetry-pipeline", "mlt-wildfly-jvm"),
                dashboardsWithSuchPanels, "the dashboards with error or latency panels");
    }

    /**
     * The service map: Jaeger's dependency graph as a node graph, and the calls between services from the callers'
     * HTTP client metrics, per caller, host and callee: rate, failed share (5xx or no answer, guarded), p95.
     */
    @Test
    void serviceOverviewHasTheServiceMap() {
        List<JsonNode> panels = Dashboards.panels(dashboard("mlt-service-overview"));
        JsonNode graph = panels.stream().filter(p -> p.path("type").asText().equals("nodeGraph")).findFirst()
                .orElseThrow(() -> new AssertionError("no node graph"));
        assertEquals("jaeger", graph.path("datasource").path("uid").asText());
        assertEquals("dependencyGraph", graph.path("targets").path(0).path("queryType").asText());
        assertTrue(GrafanaProvisioning.datasources().get("jaeger").path("jsonData").path("nodeGraph").path("enabled").asBoolean(),
                "the Jaeger data source has its node graph on");
        JsonNode calls = panels.stream().filter(p -> p.path("type").asText().equals("table")
                && exprs(p).contains("http_client_request_duration_seconds")).findFirst()
                .orElseThrow(() -> new AssertionError("no table of the calls between services"));
        List<String> exprs = new ArrayList<>();
        calls.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        assertEquals(3, exprs.size(), exprs.toString());
        assertTrue(exprs.get(0).startsWith("sum by (service, host, server_address) (rate(http_client_request_duration_seconds_count{"), exprs.get(0));
        assertTrue(exprs.get(1).contains("http_response_status_code=~\"5..|\"") && exprs.get(1).contains("* 0")
                && PromQl.divisors(exprs.get(1)).size() == 1, "failed share, 0 when none: " + exprs.get(1));
        assertTrue(exprs.get(2).startsWith("histogram_quantile(0.95, sum by (service, host, server_address, le)"), exprs.get(2));
    }

    /** A label the panel's series keep: grouped by it, or selected by it without any aggregation. */
    private static boolean keeps(JsonNode panel, String label) {
        for (JsonNode target : panel.path("targets")) {
            String expr = target.path("expr").asText();
            boolean aggregated = expr.contains(" by (");
            if (aggregated ? expr.matches("(?s).*\\bby \\([^)]*\\b" + label + "\\b.*")
                    : expr.matches("(?s).*[{,]\\s*" + label + "\\s*=.*")) {
                return true;
            }
        }
        return false;
    }

    /** The link passes the label's value from the series, not the dashboard's selection. */
    private static boolean passes(String url, String label) {
        return url.contains("var-" + label + "=${__field.labels." + label + "}")
                || url.contains("var-" + label + "=${__data.fields." + label + "}");
    }

    /**
     * A link to a dashboard passes every variable the target dashboard has (a value, or this dashboard's selection
     * with ${x:queryparam}), and the time range; a ${__field.labels.x} names a label the panel's queries keep.
     */
    @Test
    void dataLinksPassWhatTheirTargetNeeds() throws IOException {
        Map<String, Dashboards.Dashboard> byUid = Dashboards.all().stream()
                .collect(Collectors.toMap(Dashboards.Dashboard::uid, Function.identity()));
        Set<String> provisioned = GrafanaProvisioning.datasources().keySet();
        List<Dashboards.DataLink> links = Dashboards.dataLinks();
        assertFalse(links.isEmpty());
        for (Dashboards.DataLink link : links) {
            String name = link.dashboardUid() + " / " + link.panel().path("title").asText() + " / " + link.title();
            Matcher fieldLabel = FIELD_LABEL.matcher(link.url() + link.title());
            while (fieldLabel.find()) {
                String label = fieldLabel.group(1);
                assertTrue(exprs(link.panel()).matches("(?s).*\\b" + label + "\\b.*"), name + ": the series have no " + label);
            }
            Matcher dashboardLink = DASHBOARD_LINK.matcher(link.url());
            if (dashboardLink.matches()) {
                Dashboards.Dashboard target = byUid.get(dashboardLink.group(1));
                assertNotNull(target, name + ": no dashboard " + dashboardLink.group(1));
                String query = dashboardLink.group(2);
                assertTrue(query.contains("${__url_time_range}"), name + ": keeps the time range");
                for (JsonNode variable : target.json().path("templating").path("list")) {
                    String var = variable.path("name").asText();
                    if (variable.path("type").asText().equals("query") && !var.equals("route") && !var.equals("level")) {
                        assertTrue(query.contains("var-" + var + "=") || query.contains("${" + var + ":queryparam}"),
                                name + ": passes no " + var);
                    }
                }
            } else {
                assertTrue(link.url().startsWith("/explore?schemaVersion=1&panes="), name + ": " + link.url());
                String panes = URLDecoder.decode(link.url().substring(link.url().indexOf("panes=") + 6)
                        .replaceAll("\\$\\{[^}]+}", "x"), StandardCharsets.UTF_8);
                JsonNode pane = JSON.readTree(panes).path("a");
                assertTrue(provisioned.contains(pane.path("datasource").asText()), name + ": " + panes);
                for (JsonNode query : pane.path("queries")) {
                    assertTrue(provisioned.contains(query.path("datasource").path("uid").asText()), name + ": " + panes);
                    assertEquals("search", query.path("queryType").asText(), name);
                    assertFalse(query.path("service").asText().isEmpty(), name + ": a Jaeger search names the service");
                }
            }
        }
    }

    /**
     * Every dashboard marks firing alerts, server restarts and deployments (the tag the Ansible rollout posts, see
     * check_render.py), in its own environment.
     */
    @Test
    void everyDashboardMarksAlertsRestartsAndDeployments() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            Set<String> names = new TreeSet<>();
            dashboard.json().path("annotations").path("list").forEach(a -> {
                if (a.path("enable").asBoolean()) {
                    names.add(a.path("name").asText());
                }
            });
            assertTrue(names.containsAll(Set.of("Firing alerts", "Server restarts", "Deployments")), dashboard.uid() + ": " + names);
        }
        for (Dashboards.AnnotationQuery query : Dashboards.annotationQueries()) {
            assertTrue(query.expr().contains("env=~\"$env"), query.dashboardUid() + " / " + query.name() + ": its env");
        }
    }

    /** Grafana's home page: every host's signals, the firing alerts, every dashboard, Alertmanager, Jaeger, runbooks. */
    @Test
    void homeLinksEverythingAndListsEveryRunbook() {
        Dashboards.Dashboard home = dashboard("mlt-home");
        JsonNode links = home.json().path("links");
        assertTrue(links.toString().contains("\"type\":\"dashboards\",\"title\":\"WildFly MLT dashboards\",\"tags\":[\"wildfly-mlt\"]"), links.toString());
        assertTrue(links.toString().contains("/alerting/groups?alertmanager=alertmanager"), "Alertmanager");
        assertTrue(links.toString().contains("%22jaeger%22"), "Jaeger");
        List<JsonNode> status = firstRow(home);
        JsonNode matrix = panelReading(status, "table", "probe_success");
        for (String signal : List.of("service:up:max", "service:http_server_request_errors:ratio_rate5m",
                "service:http_server_request_duration_seconds:p95_5m", "base_memory_usedHeap_bytes",
                "loki_write_sent_entries_total", "promtail_sent_entries_total", "otel_sdk_exporter_span_exported_total")) {
            assertTrue(exprs(matrix).contains(signal), "host matrix misses " + signal);
        }
        matrix.path("targets").forEach(t -> assertTrue(t.path("expr").asText().contains("by (host)"), t.toString()));
        String runbooks = Dashboards.panels(home).stream().filter(p -> p.path("type").asText().equals("text"))
                .map(p -> p.path("options").path("content").asText()).collect(Collectors.joining());
        for (AlertRules.Alert alert : AlertRules.alerts()) {
            assertTrue(runbooks.contains("| " + alert.name() + " | " + alert.labels().get("severity") + " | `"
                    + alert.annotations().get("runbook_url") + "` |"), "home lists no runbook for " + alert.name());
        }
    }

    /** The logs dashboard filters by host, and shows every line of one trace, both WARs', from a pasted trace id. */
    @Test
    void logsDashboardShowsTheLinesOfOneTrace() {
        Dashboards.Dashboard logs = dashboard("mlt-logs");
        Set<String> variables = new TreeSet<>();
        logs.json().path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
        assertTrue(variables.containsAll(Set.of("host", "trace_id", "request_id")), variables.toString());
        JsonNode trace = Dashboards.panels(logs).stream().filter(p -> p.path("title").asText().equals("Lines of one trace"))
                .findFirst().orElseThrow();
        String expr = exprs(trace);
        assertTrue(expr.contains("trace_id =~ \"$trace_id") && !expr.contains("service=~"), expr);
        Dashboards.panels(logs).stream().filter(p -> p.path("type").asText().equals("logs"))
                .forEach(p -> assertTrue(p.path("options").path("showLabels").asBoolean(), p.path("title") + ": labels on lines"));
    }
}
