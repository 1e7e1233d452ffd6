package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboards of observability/grafana/dashboards and the queries in them. Used by the static tests here
 * and by the live test (integration-tests), which runs every Prometheus query against a real server.
 */
public final class Dashboards {

    /** Marker at the start of a panel description: no data is a normal state for this panel. */
    public static final String MAY_BE_EMPTY = "May be empty:";

    public record Dashboard(String uid, String title, Path file, JsonNode json) {
    }

    /** One query of one panel. */
    public record PanelQuery(String dashboardUid, int panelId, String panelTitle, String refId,
                             String datasourceType, String datasourceUid, String expr, boolean mayBeEmpty) {
        public boolean isPromQl() {
            return datasourceType.equals("prometheus");
        }

        public boolean isLogQl() {
            return datasourceType.equals("loki");
        }
    }

    /**
     * One template variable's query: for Prometheus the label_values(...) text, for Loki its stream selector.
     * Textbox and custom variables have none and are not listed.
     */
    public record VariableQuery(String dashboardUid, String name, String datasourceType, String datasourceUid,
                                String query) {
    }

    /** A Prometheus query of a dashboard annotation (alerts, restarts): marks events, so it is empty most of the time. */
    public record AnnotationQuery(String dashboardUid, String name, String expr) {
    }

    /** A data link of a panel (field defaults or an override), with the panel it belongs to. */
    public record DataLink(String dashboardUid, JsonNode panel, String title, String url) {
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*(\\w+)\\s*\\)$", Pattern.DOTALL);
    private static final Pattern INTERVAL_VARIABLE = Pattern.compile("\\$(__rate_interval|__interval|__range|__auto)\\b|\\$\\{(__rate_interval|__interval|__range)}");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");

    private Dashboards() {
    }

    public static List<Dashboard> all() {
        return ObservabilityFiles.list("grafana/dashboards", ".json").stream().map(file -> {
            JsonNode json = ObservabilityFiles.json(file);
            return new Dashboard(json.path("uid").asText(), json.path("title").asText(), file, json);
        }).toList();
    }

    /** Every panel, rows' nested panels included, in file order. */
    public static List<JsonNode> panels(Dashboard dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        forEachPanel(dashboard.json().path("panels"), panels::add);
        return panels;
    }

    public static List<PanelQuery> panelQueries() {
        List<PanelQuery> queries = new ArrayList<>();
        for (Dashboard dashboard : all()) {
            for (JsonNode panel : panels(dashboard)) {
                boolean mayBeEmpty = panel.path("description").asText().startsWith(MAY_BE_EMPTY);
                for (JsonNode target : panel.path("targets")) {
                    JsonNode datasource = target.has("datasource") ? target.path("datasource") : panel.path("datasource");
                    queries.add(new PanelQuery(dashboard.uid(), panel.path("id").asInt(), panel.path("title").asText(),
                            target.path("refId").asText(), datasource.path("type").asText(),
                            datasource.path("uid").asText(), target.path("expr").asText(), mayBeEmpty));
                }
            }
        }
        return queries;
    }

    public static List<PanelQuery> promQlQueries() {
        return panelQueries().stream().filter(PanelQuery::isPromQl).toList();
    }

    public static List<PanelQuery> logQlQueries() {
        return panelQueries().stream().filter(PanelQuery::isLogQl).toList();
    }

    public static List<VariableQuery> variableQueries() {
        List<VariableQuery> queries = new ArrayList<>();
        for (Dashboard dashboard : all()) {
            for (JsonNode variable : dashboard.json().path("templating").path("list")) {
                if (!variable.path("type").asText().equals("query")) {
                    continue;
                }
                JsonNode datasource = variable.path("datasource");
                JsonNode query = variable.path("query");
                String text = datasource.path("type").asText().equals("loki")
                        ? query.path("stream").asText()
                        : query.isObject() ? query.path("query").asText() : query.asText();
                queries.add(new VariableQuery(dashboard.uid(), variable.path("name").asText(),
                        datasource.path("type").asText(), datasource.path("uid").asText(), text));
            }
        }
        return queries;
    }

    public static List<AnnotationQuery> annotationQueries() {
        List<AnnotationQuery> queries = new ArrayList<>();
        for (Dashboard dashboard : all()) {
            for (JsonNode annotation : dashboard.json().path("annotations").path("list")) {
                if (annotation.path("datasource").path("type").asText().equals("prometheus")) {
                    queries.add(new AnnotationQuery(dashboard.uid(), annotation.path("name").asText(),
                            annotation.path("expr").asText()));
                }
            }
        }
        return queries;
    }

    /** Every data link of every panel: in its field defaults and in its overrides. */
    public static List<DataLink> dataLinks() {
        List<DataLink> links = new ArrayList<>();
        for (Dashboard dashboard : all()) {
            for (JsonNode panel : panels(dashboard)) {
                JsonNode fieldConfig = panel.path("fieldConfig");
                List<JsonNode> lists = new ArrayList<>(List.of(fieldConfig.path("defaults").path("links")));
                for (JsonNode override : fieldConfig.path("overrides")) {
                    for (JsonNode property : override.path("properties")) {
                        if (property.path("id").asText().equals("links")) {
                            lists.add(property.path("value"));
                        }
                    }
                }
                for (JsonNode list : lists) {
                    for (JsonNode link : list) {
                        links.add(new DataLink(dashboard.uid(), panel, link.path("title").asText(), link.path("url").asText()));
                    }
                }
            }
        }
        return links;
    }

    /** The series selector inside label_values(selector, label), or null when the query has another form. */
    public static String labelValuesSelector(String query) {
        Matcher matcher = LABEL_VALUES.matcher(query.trim());
        return matcher.matches() ? matcher.group(1).trim() : null;
    }

    /**
     * The query with Grafana's interval variables as 5m and every other variable as ".*", which is what a
     * multi-value variable on "All" matches. Good for parsing, and for running Prometheus queries directly; a LogQL
     * line filter on a text box variable (|= "$search") then looks for the literal ".*".
     */
    public static String withVariablesExpanded(String query) {
        String intervals = INTERVAL_VARIABLE.matcher(query).replaceAll("5m");
        return VARIABLE.matcher(intervals).replaceAll(".*");
    }

    /** Names of the template variables a query uses ($name or ${name}), Grafana's own $__ variables excluded. */
    public static List<String> variablesUsed(String query) {
        List<String> names = new ArrayList<>();
        Matcher matcher = VARIABLE.matcher(query);
        while (matcher.find()) {
            String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
            if (!name.startsWith("__") && !names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private static void forEachPanel(JsonNode panels, Consumer<JsonNode> action) {
        for (JsonNode panel : panels) {
            action.accept(panel);
            forEachPanel(panel.path("panels"), action);
        }
    }
}
