package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Grafana's provisioned data sources and the links between them (exemplars, derived fields, trace to logs/metrics). */
public final class GrafanaProvisioning {

    private static final String DATASOURCES = "grafana/provisioning/datasources/mlt.yml";

    private GrafanaProvisioning() {
    }

    /** uid to data source, in file order. */
    public static Map<String, JsonNode> datasources() {
        Map<String, JsonNode> byUid = new LinkedHashMap<>();
        for (JsonNode datasource : ObservabilityFiles.yaml(DATASOURCES).path("datasources")) {
            if (byUid.put(datasource.path("uid").asText(), datasource) != null) {
                throw new AssertionError("Two data sources with uid " + datasource.path("uid").asText());
            }
        }
        return byUid;
    }

    /** Every datasourceUid a data source links to. */
    public static List<String> linkedUids() {
        List<String> uids = new ArrayList<>();
        for (JsonNode datasource : datasources().values()) {
            datasource.path("jsonData").findValues("datasourceUid").forEach(uid -> uids.add(uid.asText()));
        }
        return uids;
    }

    /**
     * PromQL of the trace-to-metrics queries, with Grafana's $__tags as it expands it (the span's tags as matchers).
     * "$$" in the file is the provisioning escape for "$".
     */
    public static List<String> correlationPromQl() {
        List<String> queries = new ArrayList<>();
        for (JsonNode query : datasources().get("jaeger").path("jsonData").path("tracesToMetrics").path("queries")) {
            queries.add(query.path("query").asText().replace("$$", "$").replace("$__tags", "service=\"webapp\""));
        }
        return queries;
    }
}
