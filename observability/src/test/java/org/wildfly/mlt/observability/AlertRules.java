package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Prometheus rule files of observability/prometheus/rules: recording rules and alerts. */
public final class AlertRules {

    public record RecordingRule(String group, String record, String expr) {
    }

    public record Alert(String group, String name, String expr, Map<String, String> labels,
                        Map<String, String> annotations) {
    }

    private AlertRules() {
    }

    public static List<Path> ruleFiles() {
        return ObservabilityFiles.list("prometheus/rules", ".yml");
    }

    public static List<RecordingRule> recordingRules() {
        List<RecordingRule> rules = new ArrayList<>();
        forEachRule((group, rule) -> {
            if (rule.has("record")) {
                rules.add(new RecordingRule(group, rule.path("record").asText(), rule.path("expr").asText()));
            }
        });
        return rules;
    }

    public static List<Alert> alerts() {
        List<Alert> alerts = new ArrayList<>();
        forEachRule((group, rule) -> {
            if (rule.has("alert")) {
                alerts.add(new Alert(group, rule.path("alert").asText(), rule.path("expr").asText(),
                        strings(rule.path("labels")), strings(rule.path("annotations"))));
            }
        });
        return alerts;
    }

    private interface RuleConsumer {
        void accept(String group, JsonNode rule);
    }

    private static void forEachRule(RuleConsumer consumer) {
        for (Path file : ruleFiles()) {
            for (JsonNode group : ObservabilityFiles.yaml(ObservabilityFiles.dir().relativize(file).toString()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    consumer.accept(group.path("name").asText(), rule);
                }
            }
        }
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(field -> map.put(field.getKey(), field.getValue().asText()));
        return map;
    }
}
