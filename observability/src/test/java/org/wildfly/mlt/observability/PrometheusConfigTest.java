package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prometheus.yml, the rule files and their unit tests, checked by promtool. */
class PrometheusConfigTest {

    private static final Path PROMETHEUS = ObservabilityFiles.path("prometheus");

    /**
     * Checked the way it is installed: next to file_sd/*.yml as Ansible renders them (here: the examples). promtool
     * only warns about a missing file_sd file, so a warning fails the test too.
     */
    @Test
    void configIsValidWithItsFileSdFilesInPlace(@TempDir Path installed) throws IOException {
        Files.copy(PROMETHEUS.resolve("prometheus.yml"), installed.resolve("prometheus.yml"));
        copyDir(PROMETHEUS.resolve("rules"), installed.resolve("rules"));
        Files.createDirectories(installed.resolve("file_sd"));
        for (Path example : ObservabilityFiles.list("prometheus/file_sd", ".example.yml")) {
            String name = example.getFileName().toString().replace(".example.yml", ".yml");
            Files.copy(example, installed.resolve("file_sd").resolve(name));
        }
        String output = ExternalTool.PROMTOOL.runOk(installed, "check", "config", "prometheus.yml");
        assertFalse(output.contains("WARNING"), output);
        assertTrue(output.contains("SUCCESS: " + AlertRules.ruleFiles().size() + " rule files found"), output);
    }

    @Test
    void everyFileSdFileHasAnExample() {
        Set<String> referenced = new TreeSet<>();
        for (JsonNode job : ObservabilityFiles.yaml("prometheus/prometheus.yml").path("scrape_configs")) {
            for (JsonNode sd : job.path("file_sd_configs")) {
                sd.path("files").forEach(file -> referenced.add(file.asText()));
            }
        }
        Set<String> examples = new TreeSet<>();
        ObservabilityFiles.list("prometheus/file_sd", ".example.yml")
                .forEach(f -> examples.add("file_sd/" + f.getFileName().toString().replace(".example.yml", ".yml")));
        assertEquals(examples, referenced);
    }

    @Test
    void scrapesTheAppHostsAndTheWholeStack() {
        List<String> jobs = new ArrayList<>();
        ObservabilityFiles.yaml("prometheus/prometheus.yml").path("scrape_configs")
                .forEach(job -> jobs.add(job.path("job_name").asText()));
        assertEquals(List.of("app", "wildfly", "health-ready", "health-live", "promtail", "alloy",
                "postgres", "prometheus", "alertmanager", "blackbox", "loki", "jaeger", "jaeger-spanmetrics", "grafana"), jobs);
    }

    /** An app host must not flood Prometheus: every job that scrapes the app hosts has the same four limits. */
    @Test
    void everyAppHostJobHasTheScrapeLimits() {
        List<String> limits = List.of("sample_limit", "label_limit", "label_value_length_limit", "body_size_limit");
        Set<String> seen = new TreeSet<>();
        int appJobs = 0;
        for (JsonNode job : ObservabilityFiles.yaml("prometheus/prometheus.yml").path("scrape_configs")) {
            boolean probe = job.path("metrics_path").asText().equals("/probe"); // scrapes the local blackbox exporter
            if (job.path("file_sd_configs").isEmpty() || probe) {
                continue;
            }
            appJobs++;
            StringBuilder values = new StringBuilder();
            for (String limit : limits) {
                JsonNode value = job.path(limit);
                assertFalse(value.isMissingNode() || value.asText().isEmpty() || value.asText().startsWith("0"),
                        job.path("job_name").asText() + " has no " + limit);
                values.append(limit).append('=').append(value.asText()).append(' ');
            }
            seen.add(values.toString().strip());
        }
        assertTrue(appJobs > 0, "no app-host job found");
        assertEquals(1, seen.size(), "the app-host jobs' limits differ: " + seen);
    }

    @Test
    void ruleFilesAreValid() {
        List<String> args = new ArrayList<>(List.of("check", "rules"));
        AlertRules.ruleFiles().forEach(f -> args.add(PROMETHEUS.relativize(f).toString()));
        ExternalTool.PROMTOOL.runOk(PROMETHEUS, args.toArray(String[]::new));
    }

    @Test
    void ruleUnitTestsPass() {
        List<Path> testFiles = ObservabilityFiles.list("prometheus/tests", ".yml");
        assertEquals(AlertRules.ruleFiles().size(), testFiles.size(), "a unit test file per rule file: " + testFiles);
        for (Path testFile : testFiles) {
            String output = ExternalTool.PROMTOOL.runOk(PROMETHEUS, "test", "rules", PROMETHEUS.relativize(testFile).toString());
            assertTrue(output.contains("SUCCESS"), output);
        }
    }

    /**
     * Every PromQL expression of the dashboards, the template variables and the Grafana correlations, made into a
     * recording rule so promtool parses it (Grafana variables expanded first, as Grafana does before sending).
     */
    @Test
    void dashboardPromQlIsValid(@TempDir Path dir) throws IOException {
        List<String> exprs = new ArrayList<>();
        Dashboards.promQlQueries().forEach(q -> exprs.add(q.expr()));
        Dashboards.annotationQueries().forEach(q -> exprs.add(q.expr()));
        Dashboards.variableQueries().stream().filter(v -> v.datasourceType().equals("prometheus"))
                .forEach(v -> exprs.add(Dashboards.labelValuesSelector(v.query())));
        exprs.addAll(GrafanaProvisioning.correlationPromQl());
        assertFalse(exprs.contains(null), "a variable query is not label_values(selector, label)");

        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            String expr = Dashboards.withVariablesExpanded(exprs.get(i)).replace("\n", " ");
            rules.append("      - record: dashboard_query_").append(i).append("\n        expr: '")
                    .append(expr.replace("'", "''")).append("'\n");
        }
        Files.writeString(dir.resolve("dashboards.yml"), rules);
        String output = ExternalTool.PROMTOOL.runOk(dir, "check", "rules", "dashboards.yml");
        assertTrue(output.contains("SUCCESS: " + exprs.size() + " rules found"), output);
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
