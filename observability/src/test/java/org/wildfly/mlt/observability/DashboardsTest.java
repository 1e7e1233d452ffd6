package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboards: valid, stable, wired to the provisioned data sources, and querying metrics that exist. */
class DashboardsTest {

    private static final List<String> EXPECTED_UIDS = List.of("mlt-home", "mlt-logs", "mlt-persistence", "mlt-service-overview",
            "mlt-slo", "mlt-telemetry-pipeline", "mlt-wildfly-jvm");
    /** Panels that plot or show one number per series; tables and log panels carry units per column, or none. */
    private static final Set<String> NUMERIC_PANELS = Set.of("timeseries", "stat", "gauge", "bargauge", "state-timeline",
            "heatmap");
    /** Panels that show no data: rows, and text (the home dashboard's runbook list). */
    private static final Set<String> NO_QUERY_PANELS = Set.of("row", "text");
    /** Series that are one constant per fact, the same in every environment and on every host: alert thresholds. */
    private static final String THRESHOLD_LEVEL = "threshold:";
    /** Divisors that cannot be 0: the error budget is 1 - objective, and an objective of 100% has no budget to burn. */
    private static final Set<String> NON_ZERO_DIVISORS = Set.of("slo:error_budget:ratio");

    @Test
    void theDashboardsExistWithStableUids() {
        List<String> uids = Dashboards.all().stream().map(Dashboards.Dashboard::uid).sorted().toList();
        assertEquals(EXPECTED_UIDS, uids);
    }

    @Test
    void dashboardsAreCurrentSchemaAndReadOnly() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            assertTrue(dashboard.json().path("schemaVersion").asInt() >= 39, dashboard.uid());
            assertFalse(dashboard.json().path("editable").asBoolean(true), dashboard.uid() + " is provisioned: not editable");
            assertFalse(dashboard.title().isBlank(), dashboard.uid());
        }
    }

    @Test
    void panelIdsAreUniqueWithinADashboard() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            List<Integer> ids = Dashboards.panels(dashboard).stream().map(p -> p.path("id").asInt()).toList();
            assertEquals(ids.size(), Set.copyOf(ids).size(), dashboard.uid() + " panel ids " + ids);
            assertFalse(ids.contains(0), dashboard.uid() + ": a panel without id");
        }
    }

    /** A data source named instead of referenced by uid breaks when the name changes; an unknown uid shows nothing. */
    @Test
    void everyDatasourceIsAProvisionedUid() {
        Set<String> provisioned = GrafanaProvisioning.datasources().keySet();
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            for (JsonNode datasource : dashboard.json().findValues("datasource")) {
                assertTrue(datasource.isObject(), dashboard.uid() + ": datasource given by name: " + datasource);
                String uid = datasource.path("uid").asText();
                if (!uid.equals("-- Grafana --")) {
                    assertTrue(provisioned.contains(uid), dashboard.uid() + ": unknown datasource uid " + uid);
                }
            }
        }
        assertTrue(provisioned.containsAll(GrafanaProvisioning.linkedUids()),
                "data source links " + GrafanaProvisioning.linkedUids() + " vs " + provisioned);
    }

    /** A reader of a panel learns what it shows from its description, and reads its numbers by their unit. */
    @Test
    void everyPanelHasADescriptionAndEveryNumericPanelAUnit() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                String name = dashboard.uid() + ": " + panel.path("title").asText();
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                assertFalse(panel.path("description").asText().isBlank(), name + " has no description");
                if (NUMERIC_PANELS.contains(panel.path("type").asText())) {
                    assertFalse(panel.path("fieldConfig").path("defaults").path("unit").asText().isBlank(), name + " has no unit");
                }
            }
        }
    }

    @Test
    void everyPanelHasAQueryAndEveryQueryAnExpression() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                if (!NO_QUERY_PANELS.contains(panel.path("type").asText())) {
                    assertFalse(panel.path("targets").isEmpty(), dashboard.uid() + ": " + panel.path("title"));
                }
            }
        }
        for (Dashboards.PanelQuery query : Dashboards.panelQueries()) {
            if (query.isPromQl() || query.isLogQl()) {
                assertFalse(query.expr().isBlank(), query.toString());
            } else {
                assertEquals("jaeger", query.datasourceType(), query.toString());
            }
        }
        // Jaeger queries have no expression but a query type of Grafana's Jaeger data source (a trace search, or
        // the dependency graph of the node graph panel).
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                for (JsonNode target : panel.path("targets")) {
                    if (target.path("datasource").path("type").asText().equals("jaeger")) {
                        assertTrue(Set.of("search", "dependencyGraph").contains(target.path("queryType").asText()),
                                dashboard.uid() + ": " + panel.path("title") + ": " + target);
                    }
                }
            }
        }
    }

    /** A query using $x where the dashboard defines no x would silently match nothing. */
    @Test
    void everyVariableUsedIsDefined() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            Set<String> defined = new TreeSet<>();
            dashboard.json().path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
            List<String> queries = new ArrayList<>();
            Dashboards.panelQueries().stream().filter(q -> q.dashboardUid().equals(dashboard.uid()))
                    .forEach(q -> queries.add(q.expr()));
            Dashboards.variableQueries().stream().filter(v -> v.dashboardUid().equals(dashboard.uid()))
                    .forEach(v -> queries.add(v.query()));
            for (String query : queries) {
                for (String variable : Dashboards.variablesUsed(query)) {
                    assertTrue(defined.contains(variable), dashboard.uid() + ": $" + variable + " in " + query);
                }
            }
        }
    }

    /**
     * A query that ignores one of its dashboard's variables shows more than the reader selected, without saying so.
     * Each query uses every variable of its dashboard (text boxes aside), or its panel's description names the
     * variable ("the route variable does not apply: ...") and says why. Threshold series are exempt: one constant per
     * fact, they carry no label to filter on.
     */
    @Test
    void everyQueryUsesTheDashboardsVariablesOrSaysWhyNot() {
        List<String> failures = new ArrayList<>();
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            List<String> variables = Dashboards.variableQueries().stream()
                    .filter(v -> v.dashboardUid().equals(dashboard.uid())).map(Dashboards.VariableQuery::name).toList();
            Map<Integer, String> descriptions = new HashMap<>();
            Dashboards.panels(dashboard).forEach(p -> descriptions.put(p.path("id").asInt(), p.path("description").asText()));
            for (Dashboards.PanelQuery query : Dashboards.panelQueries()) {
                if (!query.dashboardUid().equals(dashboard.uid()) || isThresholdOnly(query)) {
                    continue;
                }
                List<String> used = Dashboards.variablesUsed(query.expr());
                for (String variable : variables) {
                    if (!used.contains(variable) && !descriptions.get(query.panelId()).contains(variable + " variable")) {
                        failures.add(dashboard.uid() + " / " + query.panelTitle() + " [" + query.refId() + "]: $" + variable);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), "queries that ignore a variable without saying why:\n  " + String.join("\n  ", failures));
    }

    /**
     * A stat with one value per host must turn red when that host's series is absent (target down), not drop the
     * host: its query falls back on the target's up series, "or (up{...} == 0) - 1" (service:up:max for the
     * application services), which a value mapping shows as DOWN; or it is that up series itself, 0 while down.
     */
    @Test
    void perHostStatsShowAnAbsentHost() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                if (!panel.path("type").asText().equals("stat")) {
                    continue;
                }
                for (JsonNode target : panel.path("targets")) {
                    if (target.path("legendFormat").asText().contains("{{host}}")) {
                        String expr = target.path("expr").asText().trim();
                        if (expr.matches("(up|service:up:max)\\{[^}]*}")) {
                            assertTrue(panel.toString().contains("\"0\":{\"text\":\"DOWN\""),
                                    dashboard.uid() + ": " + panel.path("title").asText() + " maps no 0 to DOWN");
                            continue;
                        }
                        assertTrue(expr.matches("(?s).*\\bor\\s*\\((up|service:up:max)\\{[^}]*} == 0\\) - 1$"),
                                dashboard.uid() + ": " + panel.path("title").asText() + " drops an absent host: " + expr);
                        assertTrue(panel.toString().contains("\"-1\":{\"text\":\"DOWN\""),
                                dashboard.uid() + ": " + panel.path("title").asText() + " maps no -1 to DOWN");
                    }
                }
            }
        }
    }

    /**
     * 0/0 is NaN: gaps and "NaN" cells on an idle service. Every division in a dashboard, a recording rule or an alert
     * divides by a number, by a series that cannot be 0, or by "(... > 0)", which leaves no series instead.
     */
    @Test
    void ratiosGuardDivisionByZero() {
        List<String> exprs = new ArrayList<>();
        Dashboards.promQlQueries().forEach(q -> exprs.add(q.expr()));
        AlertRules.recordingRules().forEach(rule -> exprs.add(rule.expr()));
        AlertRules.alerts().forEach(alert -> exprs.add(alert.expr()));
        for (String expr : exprs) {
            for (String divisor : PromQl.divisors(expr)) {
                boolean guarded = divisor.matches("[0-9.e]+") || NON_ZERO_DIVISORS.contains(divisor)
                        || divisor.matches("(?s)\\(.*>\\s*0\\s*\\)");
                assertTrue(guarded, "division by " + divisor + " unguarded in: " + expr);
            }
        }
    }

    @Test
    void divisorReadingSkipsStringsAndModifiers() {
        assertEquals(List.of("(sum by (a) (b) > 0)", "slo:error_budget:ratio", "1e9"), PromQl.divisors(
                "x{r=\"/a/b\"} / (sum by (a) (b) > 0) + y / on (s) group_left slo:error_budget:ratio - z / 1e9"));
    }

    /** One environment at a time: two environments in one Prometheus must not merge into one line. */
    @Test
    void appDashboardsFilterByEnvironment() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            JsonNode env = dashboard.json().path("templating").path("list").path(0);
            assertEquals("env", env.path("name").asText(), dashboard.uid() + ": env comes first");
            assertFalse(env.path("multi").asBoolean() || env.path("includeAll").asBoolean(), dashboard.uid() + ": env is single-select");
        }
    }

    /**
     * Queries on the raw HTTP server histogram select routes through $route, whose values come from the recording
     * rules: so they skip health and metrics routes like the rules do, without repeating the selector.
     */
    @Test
    void rawHttpServerQueriesFilterByTheRouteVariable() {
        for (Dashboards.PanelQuery query : Dashboards.promQlQueries()) {
            if (query.expr().contains("http_server_request_duration_seconds_")) {
                assertTrue(query.expr().contains("http_route=~\"$route\""), query.panelTitle() + ": " + query.expr());
            }
        }
        Dashboards.variableQueries().stream().filter(v -> v.name().equals("route"))
                .forEach(v -> assertTrue(v.query().contains("service_route:http_server_requests:rate5m"), v.query()));
    }

    /**
     * Metric names must be ones the app, WildFly or a stack component really exports (known-metrics.txt, which says
     * where each comes from) or a recording rule: an invented name would be a panel that never shows anything.
     */
    @Test
    void queriesUseOnlyKnownMetrics() throws IOException {
        Set<String> known = knownMetrics();
        AlertRules.recordingRules().forEach(rule -> known.add(rule.record()));
        List<String> exprs = new ArrayList<>();
        Dashboards.promQlQueries().forEach(q -> exprs.add(q.expr()));
        Dashboards.annotationQueries().forEach(q -> exprs.add(q.expr()));
        Dashboards.variableQueries().stream().filter(v -> v.datasourceType().equals("prometheus"))
                .forEach(v -> exprs.add(Dashboards.labelValuesSelector(v.query())));
        exprs.addAll(GrafanaProvisioning.correlationPromQl());
        AlertRules.alerts().forEach(alert -> exprs.add(alert.expr()));
        AlertRules.recordingRules().forEach(rule -> exprs.add(rule.expr()));
        for (String expr : exprs) {
            Set<String> unknown = PromQl.metricNames(expr).stream().filter(n -> !known.contains(n))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertTrue(unknown.isEmpty(), "unknown metric(s) " + unknown + " in: " + expr);
        }
    }

    @Test
    void metricNameReadingFindsSelectorsOnly() {
        assertEquals(Set.of("a_total", "b:c:rate5m", "up"), PromQl.metricNames(
                "sum by (job) (rate(a_total{x=\"y z\"}[5m])) / on (job) group_left b:c:rate5m or count(up == 0) or vector(0)"));
    }

    static Set<String> knownMetrics() throws IOException {
        try (var in = DashboardsTest.class.getResourceAsStream("/known-metrics.txt")) {
            if (in == null) {
                throw new AssertionError("known-metrics.txt is not on the test classpath");
            }
            return new String(in.readAllBytes()).lines().map(String::trim)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static boolean isThresholdOnly(Dashboards.PanelQuery query) {
        Set<String> names = PromQl.metricNames(query.expr());
        return !names.isEmpty() && names.stream().allMatch(n -> n.startsWith(THRESHOLD_LEVEL));
    }
}
