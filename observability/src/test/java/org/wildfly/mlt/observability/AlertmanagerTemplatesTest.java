package org.wildfly.mlt.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * alertmanager/templates: amtool loads and renders them, and a notification sent by the real Alertmanager (through
 * its Slack integration, to a local HTTP endpoint standing in for Slack's webhook URL) carries, for the alert's
 * service, host and time, the links to its dashboard, example traces (exemplars in Grafana Explore), error log lines
 * (Loki in Grafana Explore) and runbook, with hostile label values unable to break them.
 */
class AlertmanagerTemplatesTest {

    private static final Path DIR = ObservabilityFiles.path("alertmanager");
    private static final String GLOB = "--template.glob=templates/*.tmpl";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The integrations' default templates mlt.tmpl redefines, and its own. */
    private static final List<String> TEMPLATES = List.of("mlt.title", "mlt.text", "mlt.html",
            "email.default.subject", "email.default.html", "slack.default.title", "slack.default.text",
            "opsgenie.default.description", "msteams.default.title", "msteams.default.text", "telegram.default.message",
            "discord.default.title", "discord.default.message", "webex.default.message", "pushover.default.title",
            "pushover.default.message", "sns.default.subject", "sns.default.message", "wechat.default.message",
            "victorops.default.state_message");
    private static final Pattern LINK = Pattern.compile("^(Dashboard|Example traces|Error logs|Runbook): (\\S+)$",
            Pattern.MULTILINE);

    @Test
    void checkConfigLoadsTheTemplatesAndRejectsABrokenOne(@TempDir Path work) throws IOException {
        String output = ExternalTool.AMTOOL.runOk(DIR, "check-config", "alertmanager.yml");
        assertTrue(output.contains("1 templates"), output);
        // The same file next to a template with a syntax error: check-config must fail, or the check above proves nothing.
        Files.copy(DIR.resolve("alertmanager.yml"), work.resolve("alertmanager.yml"));
        Files.createDirectories(work.resolve("templates"));
        Files.writeString(work.resolve("templates/broken.tmpl"), "{{ define \"x\" }}{{ .Status {{ end }}\n");
        assertFalse(ExternalTool.AMTOOL.run(work, "check-config", "alertmanager.yml").ok(), "a broken template passed");
    }

    @Test
    void everyTemplateRendersWithAmtool() {
        for (String template : TEMPLATES) {
            String output = ExternalTool.AMTOOL.runOk(DIR, "template", "render", GLOB,
                    "--template.text={{ template \"" + template + "\" . }}");
            assertFalse(output.isBlank(), template + " rendered nothing");
        }
        assertFalse(ExternalTool.AMTOOL.runOk(DIR, "template", "render", GLOB,
                "--template.text={{ template \"pagerduty.default.instances\" .Alerts }}").isBlank());
    }

    @Test
    void aNotificationOfTheRealAlertmanagerLinksToTheEvidenceOfItsServiceAndWindow(@TempDir Path work) throws Exception {
        BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        HttpServer slack = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slack.createContext("/", exchange -> {
            received.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        slack.start();
        int port = freePort();
        Process alertmanager = null;
        try {
            Files.writeString(work.resolve("alertmanager.yml"),
                    new YAMLMapper().writeValueAsString(config("http://127.0.0.1:" + slack.getAddress().getPort() + "/")));
            alertmanager = new ProcessBuilder(ExternalTool.ALERTMANAGER.executable().toString(),
                    "--config.file=" + work.resolve("alertmanager.yml"), "--storage.path=" + work.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                    .redirectErrorStream(true).redirectOutput(work.resolve("alertmanager.log").toFile()).start();
            String base = "http://127.0.0.1:" + port;
            awaitReady(base, alertmanager, work.resolve("alertmanager.log"));

            Instant startsAt = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
            Map<String, String> labels = Map.of("alertname", "HighErrorRatio", "severity", "critical", "env", "prod",
                    "service", "webapi", "host", "app1");
            Map<String, String> hostile = new HashMap<>(labels);
            hostile.put("service", "web\"api} or vector(1) #<b>");
            post(base, List.of(alert(labels, startsAt), alert(hostile, startsAt)));

            JsonNode first = received.poll(60, TimeUnit.SECONDS);
            JsonNode second = received.poll(60, TimeUnit.SECONDS);
            assertNotNull(second, "two notifications (one per service) within 60 s; got " + first);
            for (JsonNode notification : List.of(first, second)) {
                String text = notification.path("attachments").get(0).path("text").asText();
                boolean isHostile = text.contains("webapiorvector1b");
                assertLinks(text, isHostile ? "webapiorvector1b" : "webapi", startsAt.toEpochMilli() - 3_600_000);
            }
        } finally {
            slack.stop(0);
            if (alertmanager != null) {
                alertmanager.destroy();
                alertmanager.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void assertLinks(String text, String service, long from) throws IOException {
        Map<String, String> links = new HashMap<>();
        Matcher matcher = LINK.matcher(text);
        while (matcher.find()) {
            links.put(matcher.group(1), matcher.group(2));
        }
        assertEquals(4, links.size(), "four links in:\n" + text);
        String grafana = "http://localhost:3000";

        assertEquals(grafana + "/d/mlt-service-overview?var-env=prod&var-service=" + service + "&var-host=app1&from="
                + from + "&to=now", links.get("Dashboard"), text);

        JsonNode traces = explorePane(links.get("Example traces"), grafana);
        assertEquals("prometheus", traces.path("queries").get(0).path("datasource").path("uid").asText());
        assertTrue(GrafanaProvisioning.datasources().get("prometheus").path("jsonData")
                .has("exemplarTraceIdDestinations"), "exemplars of the Prometheus data source link to traces");
        assertTrue(traces.path("queries").get(0).path("exemplar").asBoolean(), traces.toString());
        String promql = traces.path("queries").get(0).path("expr").asText();
        assertTrue(promql.contains("http_server_request_duration_seconds_bucket{env=\"prod\", service=\"" + service + "\"}"),
                promql);
        assertPromQlParses(promql);
        assertEquals(String.valueOf(from), traces.path("range").path("from").asText());
        assertEquals("now", traces.path("range").path("to").asText());

        JsonNode logs = explorePane(links.get("Error logs"), grafana);
        assertEquals("loki", logs.path("queries").get(0).path("datasource").path("uid").asText());
        assertTrue(GrafanaProvisioning.datasources().containsKey("loki"));
        assertEquals("{env=\"prod\", service=\"" + service + "\", host=\"app1\", level=~\"ERROR|FATAL\"}",
                logs.path("queries").get(0).path("expr").asText());
        for (String label : List.of("env", "service", "host", "level")) {
            assertTrue(LogPipelines.promtail().streamLabels().contains(label)
                    && LogPipelines.alloy().streamLabels().contains(label), "both shippers set " + label);
        }
        assertEquals(String.valueOf(from), logs.path("range").path("from").asText());

        assertEquals("https://runbooks.invalid/wildfly-mlt/observability/README.md#runbook-higherrorratio",
                links.get("Runbook"));
    }

    /** The single pane of a Grafana Explore link, decoded from its URL-encoded "panes" parameter. */
    private static JsonNode explorePane(String link, String grafana) throws IOException {
        assertTrue(link.startsWith(grafana + "/explore?schemaVersion=1&orgId=1&panes="), link);
        String panes = URLDecoder.decode(link.substring(link.indexOf("panes=") + 6), StandardCharsets.UTF_8);
        JsonNode pane = JSON.readTree(panes).path("a");
        assertEquals(pane.path("datasource").asText(), pane.path("queries").get(0).path("datasource").path("uid").asText());
        return pane;
    }

    private static void assertPromQlParses(String promql) throws IOException {
        Path rules = Files.createTempFile("explore-query", ".yml");
        try {
            Files.writeString(rules, "groups:\n  - name: explore\n    rules:\n      - record: explore:query\n        expr: "
                    + JSON.writeValueAsString(promql) + "\n");
            ExternalTool.PROMTOOL.runOk(rules.getParent(), "check", "rules", rules.toString());
        } finally {
            Files.delete(rules);
        }
    }

    /** The committed file with its templates, receivers sending to the stand-in, no wait before a group's first notification. */
    private static JsonNode config(String slackUrl) {
        ObjectNode config = (ObjectNode) ObservabilityFiles.yaml("alertmanager/alertmanager.yml");
        JsonNode globs = config.path("templates");
        ArrayNode templates = JSON.createArrayNode();
        globs.forEach(glob -> templates.add(DIR.resolve(glob.asText()).toString()));
        assertFalse(templates.isEmpty(), "alertmanager.yml names no templates");
        config.set("templates", templates);
        ((ObjectNode) config.path("route")).put("group_wait", "0s");
        for (JsonNode receiver : config.path("receivers")) {
            ObjectNode slack = ((ObjectNode) receiver).putArray("slack_configs").addObject();
            slack.put("api_url", slackUrl);
            slack.put("send_resolved", false);
        }
        return config;
    }

    private static ObjectNode alert(Map<String, String> labels, Instant startsAt) {
        AlertRules.Alert rule = AlertRules.alerts().stream().filter(a -> a.name().equals(labels.get("alertname")))
                .findFirst().orElseThrow();
        ObjectNode alert = JSON.createObjectNode();
        labels.forEach(alert.putObject("labels")::put);
        ObjectNode annotations = alert.putObject("annotations");
        // The rule's annotations as Prometheus expands them: {{ $labels.x }} is the label's value; values need no more.
        rule.annotations().forEach((name, value) -> annotations.put(name, expandLabels(value, labels)
                .replaceAll("\\{\\{[^}]*}}", "1")));
        alert.put("startsAt", startsAt.toString());
        return alert;
    }

    private static String expandLabels(String template, Map<String, String> labels) {
        Matcher matcher = Pattern.compile("\\{\\{ \\$labels\\.(\\w+) }}").matcher(template);
        StringBuilder expanded = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(expanded, Matcher.quoteReplacement(labels.getOrDefault(matcher.group(1), "")));
        }
        return matcher.appendTail(expanded).toString();
    }

    private static void post(String base, List<ObjectNode> alerts) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v2/alerts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(alerts))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }

    private static void awaitReady(String base, Process process, Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("alertmanager exited: " + Files.readString(log));
            }
            try {
                if (client.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("alertmanager not ready in 30 s: " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
