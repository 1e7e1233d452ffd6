package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LogQL of the dashboards, parsed with Grafana's own grammar (@grafana/lezer-logql, in src/test/node, installed with
 * npm ci into target/), and checked against the labels the log shippers really set.
 */
class LogQlTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHECKER = ObservabilityFiles.path("target/logql-check");

    @BeforeAll
    static void installParser() throws IOException {
        Files.createDirectories(CHECKER);
        for (String file : List.of("package.json", "package-lock.json", "check-logql.mjs")) {
            Files.copy(ObservabilityFiles.path("src/test/node/" + file), CHECKER.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        ExternalTool.NPM.runOk(CHECKER, "ci", "--no-audit", "--no-fund", "--loglevel=error");
    }

    /** The checker itself: it must see errors, or the tests below would pass on anything. */
    @Test
    void checkerTellsValidFromInvalid() throws IOException {
        List<JsonNode> results = parse(List.of(
                "sum by (level) (count_over_time({env=~\"prod\", service=\"webapp\"} | json | trace_id != \"\" [5m]))",
                "{env=\"prod\"} | foo=",
                "count_over_time({env=\"prod\"} [$__interval])"));
        assertEquals("[]", results.get(0).path("errors").toString());
        assertEquals("[\"env\",\"service\"]", results.get(0).path("streamLabels").toString(),
                "trace_id is a label filter, not a stream label");
        assertFalse(results.get(1).path("errors").isEmpty(), "an incomplete label filter must not parse");
        assertFalse(results.get(2).path("errors").isEmpty(), "Grafana variables must be expanded before parsing");
    }

    @Test
    void dashboardLogQlParses() throws IOException {
        for (JsonNode result : parse(allLogQl())) {
            assertTrue(result.path("errors").isEmpty(), result.toString());
        }
    }

    /** A stream label that one of the shippers does not set would make a panel empty on the hosts using it. */
    @Test
    void streamSelectorsUseOnlyLabelsBothShippersSet() throws IOException {
        Set<String> shipped = new TreeSet<>(LogPipelines.promtail().streamLabels());
        shipped.retainAll(LogPipelines.alloy().streamLabels());
        Set<String> used = new TreeSet<>();
        for (JsonNode result : parse(allLogQl())) {
            result.path("streamLabels").forEach(label -> used.add(label.asText()));
        }
        assertTrue(used.contains("env") && used.contains("service"), "the dashboards should filter on env and service: " + used);
        assertTrue(shipped.containsAll(used), "used " + used + ", set by both shippers " + shipped);
        for (Dashboards.Dashboard dashboard : Dashboards.all()) {
            for (JsonNode variable : dashboard.json().path("templating").path("list")) {
                if (variable.path("datasource").path("type").asText().equals("loki")) {
                    String label = variable.path("query").path("label").asText();
                    assertTrue(shipped.contains(label), dashboard.uid() + ": variable on label " + label);
                }
            }
        }
    }

    /** Panel queries and the stream selectors of Loki variables, with Grafana variables expanded. */
    private static List<String> allLogQl() {
        List<String> queries = new ArrayList<>();
        Dashboards.logQlQueries().forEach(q -> queries.add(Dashboards.withVariablesExpanded(q.expr())));
        Dashboards.variableQueries().stream().filter(v -> v.datasourceType().equals("loki"))
                .forEach(v -> queries.add(Dashboards.withVariablesExpanded(v.query())));
        assertFalse(queries.isEmpty());
        return queries;
    }

    private static List<JsonNode> parse(List<String> queries) throws IOException {
        Path input = Files.createTempFile(CHECKER, "queries", ".json");
        Path output = Files.createTempFile(CHECKER, "results", ".json");
        JSON.writeValue(input.toFile(), queries);
        ExternalTool.NODE.runOk(CHECKER, "check-logql.mjs", input.toString(), output.toString());
        List<JsonNode> results = new ArrayList<>();
        JSON.readTree(output.toFile()).forEach(results::add);
        Files.delete(input);
        Files.delete(output);
        assertEquals(queries.size(), results.size());
        return results;
    }
}
