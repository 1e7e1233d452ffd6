package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboards: valid, stable, wired to the provisioned data sources, and querying metrics that exist. */
class DashboardsTest {

    private static final List<String> EXPECTED_UIDS = List.of("mlt-logs", "mlt-service-overview", "mlt-slo",
            "mlt-telemetry-pipeline", "mlt-wildfly-jvm");
    /** Panels that plot or show one number per series; tables and log panels carry units per column, or none. */
    private static final Set<String> NUMERIC_PANELS = Set.of("timeseries", "stat", "gauge", "bargauge");

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
                if (!panel.path("type").asText().equals("row")) {
                    assertFalse(panel.path("targets").isEmpty(), dashboard.uid() + ": " + panel.path("title"));
                }
            }
        }
        for (Dashboards.PanelQuery query : Dashboards.panelQueries()) {
            assertFalse(query.expr().isBlank(), query.toString());
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

    @Test
    void appDashboardsFilterByEnvironment() {
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            List<String> names = new ArrayList<>();
            dashboard.json().path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
            assertEquals("env", names.get(0), dashboard.uid() + ": env comes first");
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
}
