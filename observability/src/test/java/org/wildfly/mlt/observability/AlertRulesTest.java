package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every alert must carry, and that the rules are tested: the conventions promtool does not check. */
class AlertRulesTest {

    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    private static final String USER_TRAFFIC_SELECTOR = "http_route!~\"(.*/)?(health|metrics)(/.*)?\"";
    private static final Pattern DASHBOARD_PATH = Pattern.compile("^/d/([\\w-]+)(\\?.*)?$");
    /** ReadinessFailing's service is the server's ("wildfly"), which the service overview's service variable does not list. */
    private static final Map<String, Set<String>> LABELS_NOT_VARIABLE_VALUES = Map.of("ReadinessFailing", Set.of("service"));
    private static final Pattern HEADING = Pattern.compile("^#+\\s+(.+)$", Pattern.MULTILINE);

    @Test
    void everyAlertHasSeverityAndTheFourAnnotations() {
        List<AlertRules.Alert> alerts = AlertRules.alerts();
        assertFalse(alerts.isEmpty());
        for (AlertRules.Alert alert : alerts) {
            assertTrue(SEVERITIES.contains(alert.labels().get("severity")), alert.name() + ": severity " + alert.labels());
            for (String annotation : List.of("summary", "description", "runbook_url", "dashboard_url")) {
                assertFalse(alert.annotations().getOrDefault(annotation, "").isBlank(), alert.name() + ": no " + annotation);
            }
        }
    }

    @Test
    void alertNamesAreUnique() {
        List<String> names = AlertRules.alerts().stream().map(AlertRules.Alert::name).toList();
        assertEquals(names.size(), Set.copyOf(names).size(), names.toString());
    }

    @Test
    void runbookUrlsPointToTheirSectionOfTheReadme() {
        Set<String> anchors = readmeAnchors();
        for (AlertRules.Alert alert : AlertRules.alerts()) {
            String expected = "observability/README.md#runbook-" + alert.name().toLowerCase();
            assertEquals(expected, alert.annotations().get("runbook_url"), alert.name());
            assertTrue(anchors.contains("runbook-" + alert.name().toLowerCase()),
                    "README.md has no heading 'Runbook: " + alert.name() + "'");
        }
    }

    @Test
    void dashboardUrlsOpenAnExistingDashboard() {
        Set<String> uids = Dashboards.all().stream().map(Dashboards.Dashboard::uid).collect(Collectors.toSet());
        for (AlertRules.Alert alert : AlertRules.alerts()) {
            Matcher path = DASHBOARD_PATH.matcher(alert.annotations().get("dashboard_url"));
            assertTrue(path.matches(), alert.name() + ": dashboard_url is not /d/<uid>?...");
            assertTrue(uids.contains(path.group(1)), alert.name() + ": no dashboard " + path.group(1));
        }
    }

    /**
     * A link from an alert opens the dashboard on what the alert is about: every label of a firing case (as promtool
     * renders it) that names a variable of the target dashboard is passed as var-label=value.
     */
    @Test
    void dashboardUrlsCarryTheLabelsTheirDashboardsVariablesNeed() {
        Map<String, Set<String>> variables = new HashMap<>();
        Dashboards.variableQueries().forEach(v -> variables.computeIfAbsent(v.dashboardUid(), uid -> new TreeSet<>()).add(v.name()));
        int checked = 0;
        for (JsonNode testCase : unitTestCases()) {
            for (JsonNode alertTest : testCase.path("alert_rule_test")) {
                String name = alertTest.path("alertname").asText();
                for (JsonNode alert : alertTest.path("exp_alerts")) {
                    String url = alert.path("exp_annotations").path("dashboard_url").asText();
                    Matcher path = DASHBOARD_PATH.matcher(url);
                    assertTrue(path.matches(), name + ": " + url);
                    Set<String> needed = variables.getOrDefault(path.group(1), Set.of());
                    for (String label : fieldNames(alert.path("exp_labels"))) {
                        if (needed.contains(label) && !LABELS_NOT_VARIABLE_VALUES.getOrDefault(name, Set.of()).contains(label)) {
                            String param = "var-" + label + "=" + alert.path("exp_labels").path(label).asText();
                            assertTrue(url.contains(param), name + ": " + url + " lacks " + param);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 0, "no firing case names a dashboard variable");
    }

    /** Each alert has a promtool case where it fires (expected labels and annotations) and one where it does not. */
    @Test
    void everyAlertIsTestedFiringAndSilent() {
        Set<String> firing = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode testCase : unitTestCases()) {
            for (JsonNode alertTest : testCase.path("alert_rule_test")) {
                String name = alertTest.path("alertname").asText();
                JsonNode expected = alertTest.path("exp_alerts");
                if (expected.isEmpty()) {
                    silent.add(name);
                    continue;
                }
                firing.add(name);
                for (JsonNode alert : expected) {
                    assertFalse(alert.path("exp_labels").isEmpty(), name + ": a firing case without exp_labels");
                    assertEquals(Set.of("summary", "description", "runbook_url", "dashboard_url"),
                            fieldNames(alert.path("exp_annotations")), name + ": a firing case must assert all annotations");
                }
            }
        }
        Set<String> names = AlertRules.alerts().stream().map(AlertRules.Alert::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(names, firing, "alerts with a firing case");
        assertEquals(names, silent, "alerts with a silent case");
    }

    /**
     * A recording rule is tested when a promql_expr_test asserts on it (it is selected in the expression, or named in
     * an expected sample), or when an alert reading it has an alert_rule_test. Appearing as an input series, or only
     * in a comment, does not count: that evaluates nothing.
     */
    @Test
    void everyRecordingRuleIsEvaluatedByATest() {
        Set<String> asserted = new TreeSet<>();
        Set<String> alertsTested = new TreeSet<>();
        for (JsonNode testCase : unitTestCases()) {
            for (JsonNode exprTest : testCase.path("promql_expr_test")) {
                asserted.addAll(PromQl.metricNames(exprTest.path("expr").asText()));
                exprTest.path("exp_samples").forEach(sample -> asserted.addAll(
                        PromQl.metricNames(sample.path("labels").asText())));
            }
            testCase.path("alert_rule_test").forEach(alertTest -> alertsTested.add(alertTest.path("alertname").asText()));
        }
        AlertRules.alerts().stream().filter(alert -> alertsTested.contains(alert.name()))
                .forEach(alert -> asserted.addAll(PromQl.metricNames(alert.expr())));
        Set<String> untested = AlertRules.recordingRules().stream().map(AlertRules.RecordingRule::record)
                .filter(record -> !asserted.contains(record)).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(untested.isEmpty(), "recording rules that no promql_expr_test asserts on and no tested alert reads: " + untested);
    }

    /**
     * The user-traffic selector is written once, in the rule that reads the raw histogram; every other rule derives
     * from recorded series, so nothing can bypass the exclusion of health and metrics routes.
     */
    @Test
    void userTrafficSelectorIsWrittenOnceAndEverythingDerivesFromIt() {
        List<AlertRules.RecordingRule> readingRaw = new ArrayList<>();
        int selectorCount = 0;
        for (AlertRules.RecordingRule rule : AlertRules.recordingRules()) {
            if (PromQl.metricNames(rule.expr()).stream().anyMatch(n -> n.startsWith("http_server_request_duration_seconds_"))) {
                readingRaw.add(rule);
            }
            selectorCount += count(rule.expr(), USER_TRAFFIC_SELECTOR);
        }
        for (Path file : AlertRules.ruleFiles()) {
            if (!file.getFileName().toString().equals("recording.yml")) {
                assertEquals(0, count(ObservabilityFiles.read("prometheus/rules/" + file.getFileName()), "http_route!~"),
                        file + " must use the recording rules, not its own route exclusion");
            }
        }
        assertEquals(1, selectorCount, "the user-traffic selector must appear exactly once");
        assertEquals(1, readingRaw.size(), "only one recording rule may read the raw histogram: " + readingRaw);
        assertTrue(readingRaw.get(0).expr().contains(USER_TRAFFIC_SELECTOR), readingRaw.get(0).record());
    }

    /**
     * Alerts select application traffic through recorded series only: no alert reads the raw HTTP histograms or
     * names a route, so which requests count (user traffic, the requests that log) is written once, in recording.yml.
     */
    @Test
    void alertsSelectApplicationTrafficThroughRecordedSeriesOnly() {
        for (AlertRules.Alert alert : AlertRules.alerts()) {
            assertTrue(PromQl.metricNames(alert.expr()).stream().noneMatch(n -> n.startsWith("http_server_request_duration_seconds")),
                    alert.name() + " reads the raw histogram: " + alert.expr());
            assertFalse(alert.expr().contains("http_route"), alert.name() + " selects routes itself: " + alert.expr());
        }
    }

    private static List<JsonNode> unitTestCases() {
        List<JsonNode> cases = new ArrayList<>();
        for (Path file : ObservabilityFiles.list("prometheus/tests", ".yml")) {
            ObservabilityFiles.yaml("prometheus/tests/" + file.getFileName()).path("tests").forEach(cases::add);
        }
        return cases;
    }

    /** Anchors GitHub generates for the README's headings: lower case, punctuation dropped, spaces to dashes. */
    static Set<String> readmeAnchors() {
        Set<String> anchors = new TreeSet<>();
        Matcher heading = HEADING.matcher(ObservabilityFiles.read("README.md"));
        while (heading.find()) {
            anchors.add(heading.group(1).trim().toLowerCase().replaceAll("[^\\w\\- ]", "").replace(' ', '-'));
        }
        return anchors;
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }
}
