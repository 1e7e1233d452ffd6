package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Promtail and Alloy turn a WildFly JSON line into the same Loki entry; a host may run either. */
class LogPipelinesTest {

    /** A line as WildFly's json-formatter writes it (logging.cli). */
    private static final String LINE = "{\"timestamp\":\"2026-11-21T20:48:13.839Z\",\"sequence\":74,"
            + "\"loggerClassName\":\"org.jboss.logging.Logger\",\"loggerName\":\"org.wildfly.mlt.webapp.Calculator\","
            + "\"level\":\"INFO\",\"message\":\"Computed 2 + 2 = 4 with webapi\",\"threadName\":\"default task-2\","
            + "\"threadId\":128,\"mdc\":{\"request_id\":\"a4191800-f7cf-4972-83cd-1482939d18b0\",\"service\":\"webapp\","
            + "\"trace_id\":\"d0255e238207f4c48975c292d8c7b4a6\",\"span_id\":\"a498c986e05a272b\"},\"ndc\":\"\","
            + "\"hostName\":\"vm\",\"processName\":\"java\",\"processId\":7471}";

    private static final LogPipelines.Pipeline PROMTAIL = LogPipelines.promtail();
    private static final LogPipelines.Pipeline ALLOY = LogPipelines.alloy();

    @Test
    void bothSetTheSameFewStreamLabels() {
        assertEquals(Set.of("env", "host", "job", "level", "service"), PROMTAIL.streamLabels());
        assertEquals(PROMTAIL.streamLabels(), ALLOY.streamLabels());
    }

    @Test
    void bothSendTheRequestIdsAsStructuredMetadata() {
        assertEquals(Set.of("request_id", "span_id", "trace_id"), PROMTAIL.structuredMetadata());
        assertEquals(PROMTAIL.structuredMetadata(), ALLOY.structuredMetadata());
    }

    /** Same fields from the line, and every path exists in a real line. */
    @Test
    void bothExtractTheSameFieldsOfTheJsonLine() throws Exception {
        assertEquals(PROMTAIL.jsonExpressions(), ALLOY.jsonExpressions());
        JsonNode line = new ObjectMapper().readTree(LINE);
        for (Map.Entry<String, String> expression : PROMTAIL.jsonExpressions().entrySet()) {
            JsonNode value = line;
            for (String step : expression.getValue().split("\\.")) {
                value = value.path(step);
            }
            assertFalse(value.isMissingNode(), expression + " is not in " + LINE);
        }
        assertTrue(PROMTAIL.jsonExpressions().keySet().containsAll(Set.of("level", "timestamp", "logger", "message")));
    }

    /**
     * The shippers parse the line's timestamp as RFC 3339, so the json-formatter's date-format and zone-id in
     * logging.cli must write RFC 3339: a timestamp written with them parses as one, and reads as the line above.
     */
    @Test
    void bothReadTheTimestampWildFlyWrites() throws Exception {
        assertEquals("RFC3339Nano", PROMTAIL.timestampFormat());
        assertEquals(PROMTAIL.timestampFormat(), ALLOY.timestampFormat());
        String cli = loggingCli();
        DateTimeFormatter written = DateTimeFormatter.ofPattern(formatterAttribute(cli, "date-format"))
                .withZone(ZoneId.of(formatterAttribute(cli, "zone-id")));
        Instant instant = Instant.parse("2026-11-21T20:48:13.839Z");
        String timestamp = written.format(instant);
        assertEquals(instant, OffsetDateTime.parse(timestamp, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant(), timestamp);
        assertEquals(timestamp, new ObjectMapper().readTree(LINE).path("timestamp").asText(), "LINE is not as WildFly writes it");
    }

    /**
     * The service label is the line's own mdc.service (the WAR that wrote it while serving a request, whichever class
     * logged it, web-common's too), "wildfly" for a line without one.
     */
    @Test
    void bothTakeTheServiceFromTheLineAndDefaultToTheServer() {
        assertEquals("mdc.service", PROMTAIL.jsonExpressions().get("service"));
        assertEquals("mdc.service", ALLOY.jsonExpressions().get("service"));
        for (String config : new String[] {ObservabilityFiles.read("promtail/promtail.yml"), ObservabilityFiles.read("alloy/config.alloy")}) {
            assertTrue(config.contains("{{ if .Value }}{{ .Value }}{{ else }}wildfly{{ end }}"), "service default");
            assertFalse(config.contains("regex"), "a service derived from logger names");
        }
    }

    /**
     * The same file, the one WildFly's JSON handler writes (wildfly-config/src/main/cli/logging.cli), and only the
     * active one: rotated copies (.1 ... .10) hold lines already shipped.
     */
    @Test
    void bothTailTheFileWildFlyWritesItsJsonLogTo() throws Exception {
        String promtailDefault = PROMTAIL.logFile().replaceAll("^\\$\\{\\w+:-(.*)}$", "$1");
        assertEquals(promtailDefault, ALLOY.logFile());
        String cli = loggingCli();
        Matcher handler = Pattern.compile("size-rotating-file-handler=JSON_FILE:add\\(file=\\{relative-to=jboss.server.log.dir, path=([^}]+)}").matcher(cli);
        assertTrue(handler.find(), "no JSON_FILE handler in logging.cli");
        assertTrue(ALLOY.logFile().endsWith("/standalone/log/" + handler.group(1)), ALLOY.logFile() + " vs " + handler.group(1));
    }

    private static String loggingCli() throws Exception {
        return Files.readString(ObservabilityFiles.dir().resolveSibling("wildfly-config/src/main/cli/logging.cli"));
    }

    /** The value of a write-attribute on the JSON json-formatter, quoted or not. */
    private static String formatterAttribute(String cli, String name) {
        Matcher attribute = Pattern.compile("json-formatter=JSON:write-attribute\\(name=" + Pattern.quote(name)
                + ", value=(?:\"([^\"]*)\"|([^)]*))\\)").matcher(cli);
        assertTrue(attribute.find(), "logging.cli sets no " + name + " on the JSON formatter");
        return attribute.group(1) != null ? attribute.group(1) : attribute.group(2);
    }
}
