package org.wildfly.mlt.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * jaeger/ui-config.json, the Jaeger UI's link patterns to the log lines in Grafana, checked for structure only: Jaeger
 * cannot run here. jaeger.yml loads the file; each pattern has a known type and key and an http(s) URL; with the
 * placeholders filled as the Jaeger UI fills them (encodeURIComponent of the value, formatters applied), each URL is a
 * Grafana Explore link whose pane queries the provisioned Loki data source with a stream selector of labels both
 * log shippers set and the structured metadata they attach.
 */
class JaegerUiLinksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("#\\{([^{}]*)}");
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    /** What the Jaeger UI substitutes for each placeholder of these patterns, formatters applied. */
    private static final Map<String, String> VALUES = Map.of(
            "traceID", TRACE_ID,
            "request.id", "req-42",
            "service.name", "webapi",
            "startTime | add -300000000 | epoch_micros_to_date_iso", "2026-12-01T11:55:00.000Z",
            "endTime | add 300000000 | epoch_micros_to_date_iso", "2026-12-01T12:05:01.000Z");

    @Test
    void jaegerLoadsTheUiConfig() {
        JsonNode ui = ObservabilityFiles.yaml("jaeger/jaeger.yml").path("extensions").path("jaeger_query").path("ui");
        assertEquals("${env:JAEGER_UI_CONFIG:-/etc/jaeger/ui-config.json}", ui.path("config_file").asText());
    }

    @Test
    void eachPatternLinksToItsLogLinesInLoki() throws IOException {
        JsonNode patterns = ObservabilityFiles.json(ObservabilityFiles.path("jaeger/ui-config.json")).path("linkPatterns");
        Map<String, String> expected = Map.of(
                "traces", "{service=~\".+\"} | trace_id=\"" + TRACE_ID + "\"",
                "tags:request.id", "{service=~\".+\"} | request_id=\"req-42\"",
                "process:service.name", "{service=\"webapi\", level=~\"ERROR|FATAL\"}");
        Map<String, String> seen = new HashMap<>();
        for (JsonNode pattern : patterns) {
            String type = pattern.path("type").asText();
            assertTrue(Set.of("traces", "tags", "process", "logs").contains(type), type);
            String id = pattern.has("key") ? type + ":" + pattern.path("key").asText() : type;
            assertTrue(pattern.path("text").asText().length() > 10, "a link text for " + id);
            String url = fill(pattern.path("url").asText());
            assertTrue(url.startsWith("http://localhost:3000/explore?schemaVersion=1&orgId=1&panes="),
                    "the Grafana base URL Ansible replaces (jaeger_grafana_url): " + url);
            JsonNode pane = JSON.readTree(URLDecoder.decode(url.substring(url.indexOf("panes=") + 6),
                    StandardCharsets.UTF_8)).path("a");
            JsonNode query = pane.path("queries").get(0);
            assertEquals("loki", pane.path("datasource").asText());
            assertEquals("loki", query.path("datasource").path("uid").asText());
            assertTrue(GrafanaProvisioning.datasources().containsKey("loki"));
            seen.put(id, query.path("expr").asText());
            if (type.equals("traces")) {
                assertEquals("2026-12-01T11:55:00.000Z", pane.path("range").path("from").asText(), "5 min before the trace");
                assertEquals("2026-12-01T12:05:01.000Z", pane.path("range").path("to").asText());
            }
        }
        assertEquals(expected, seen);
        for (LogPipelines.Pipeline shipper : List.of(LogPipelines.promtail(), LogPipelines.alloy())) {
            assertTrue(shipper.streamLabels().containsAll(Set.of("service", "level")), shipper.toString());
            assertTrue(shipper.structuredMetadata().containsAll(Set.of("trace_id", "request_id")), shipper.toString());
        }
    }

    /** The URL as the Jaeger UI makes it: every placeholder replaced by its value, URI-component encoded. */
    private static String fill(String template) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder url = new StringBuilder();
        while (matcher.find()) {
            String value = VALUES.get(matcher.group(1));
            assertTrue(value != null, "unknown placeholder #{" + matcher.group(1) + "}");
            matcher.appendReplacement(url, Matcher.quoteReplacement(
                    URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20")));
        }
        return matcher.appendTail(url).toString();
    }
}
