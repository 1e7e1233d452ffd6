package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the two log shippers make of a WildFly JSON line, read from their configs: stream labels, structured metadata,
 * JSON fields extracted. Promtail's is YAML; Alloy's is read with regular expressions over its
 * blocks, enough for the flat config we write.
 */
public final class LogPipelines {

    public record Pipeline(Set<String> streamLabels, Set<String> structuredMetadata,
                           TreeMap<String, String> jsonExpressions, String timestampFormat,
                           String logFile) {
    }

    private LogPipelines() {
    }

    /** Both shippers label every line with the path of its file, unless a stage drops that label. */
    private static final String FILE_LABEL = "filename";

    public static Pipeline promtail() {
        JsonNode scrape = ObservabilityFiles.yaml("promtail/promtail.yml").path("scrape_configs").path(0);
        Set<String> labels = new TreeSet<>(Set.of(FILE_LABEL));
        String logFile = null;
        for (JsonNode group : scrape.path("static_configs")) {
            var fields = group.path("labels").fields();
            while (fields.hasNext()) {
                var field = fields.next();
                if (field.getKey().equals("__path__")) {
                    logFile = field.getValue().asText();
                } else if (!field.getKey().startsWith("__")) {
                    labels.add(field.getKey());
                }
            }
        }
        Set<String> metadata = new TreeSet<>();
        TreeMap<String, String> json = new TreeMap<>();
        String timestampFormat = null;
        for (JsonNode stage : scrape.path("pipeline_stages")) {
            stage.path("labels").fieldNames().forEachRemaining(labels::add);
            stage.path("structured_metadata").fieldNames().forEachRemaining(metadata::add);
            stage.path("labeldrop").forEach(label -> labels.remove(label.asText()));
            stage.path("json").path("expressions").fields()
                    .forEachRemaining(field -> json.put(field.getKey(), field.getValue().asText()));
            if (stage.has("timestamp")) {
                timestampFormat = stage.path("timestamp").path("format").asText();
            }
        }
        return new Pipeline(labels, metadata, json, timestampFormat, logFile);
    }

    public static Pipeline alloy() {
        String config = ObservabilityFiles.read("alloy/config.alloy");
        Set<String> labels = new TreeSet<>(Set.of(FILE_LABEL));
        String logFile = null;
        for (var entry : keyValues(block(config, "path_targets = [{", "}]")).entrySet()) {
            if (entry.getKey().equals("__path__")) {
                logFile = entry.getValue();
            } else if (!entry.getKey().startsWith("__")) {
                labels.add(entry.getKey());
            }
        }
        labels.addAll(keyValues(block(config, "stage.labels {", "}\n  }")).keySet());
        labels.removeAll(stringList(block(config, "stage.label_drop {", "}")));
        Set<String> metadata = new TreeSet<>(keyValues(block(config, "stage.structured_metadata {", "}\n  }")).keySet());
        TreeMap<String, String> json = keyValues(block(config, "stage.json {", "}\n  }"));
        String timestampFormat = first(block(config, "stage.timestamp {", "}"), "format\\s*=\\s*\"([^\"]*)\"");
        return new Pipeline(labels, metadata, json, timestampFormat, logFile);
    }

    /** The text between the start marker and the next end marker. */
    private static String block(String config, String start, String end) {
        int from = config.indexOf(start);
        if (from < 0) {
            throw new AssertionError("alloy/config.alloy has no '" + start + "'");
        }
        int to = config.indexOf(end, from + start.length());
        return config.substring(from + start.length(), to < 0 ? config.length() : to);
    }

    /** key = "value" pairs (keys quoted or not); for coalesce(sys.env(...), "default") the value is the default. */
    private static TreeMap<String, String> keyValues(String block) {
        TreeMap<String, String> pairs = new TreeMap<>();
        Matcher pair = Pattern.compile("\"?([\\w.]+)\"?\\s*=\\s*(.+?),?\\s*$", Pattern.MULTILINE).matcher(block);
        while (pair.find()) {
            if (pair.group(2).startsWith("{") || pair.group(2).startsWith("[")) {
                continue; // the "values = {" that opens the map
            }
            Matcher strings = Pattern.compile("\"([^\"]*)\"").matcher(pair.group(2));
            String value = "";
            while (strings.find()) {
                value = strings.group(1);
            }
            pairs.put(pair.group(1), value);
        }
        return pairs;
    }

    private static Set<String> stringList(String block) {
        Set<String> values = new TreeSet<>();
        Matcher string = Pattern.compile("\"([^\"]*)\"").matcher(block);
        while (string.find()) {
            values.add(string.group(1));
        }
        return values;
    }

    private static String first(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }
}
