package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.observability.AlertRules;
import org.wildfly.mlt.observability.Dashboards;
import org.wildfly.mlt.observability.ExternalTool;
import org.wildfly.mlt.observability.GrafanaProvisioning;
import org.wildfly.mlt.observability.LogPipelines;
import org.wildfly.mlt.observability.ObservabilityFiles;
import org.wildfly.mlt.observability.PromQl;

/**
 * The observability stack of observability/, for real, against the real server: Prometheus (exemplar storage on),
 * the blackbox exporter and Alertmanager run with the committed configs while traffic with 2xx, 4xx and 5xx flows.
 * Only what cannot change per site is changed in a copy of prometheus.yml: the targets (file_sd files for this
 * host), the ports of the stack (free loopback ports) and the intervals (2 s, so the test takes seconds).
 * Loki, Promtail, Alloy, Jaeger and Grafana cannot run on the test machine: queries on their own metrics are
 * listed, not asserted.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ObservabilityStackIT {

    /** Jobs of components that cannot run here; their targets are expected down. */
    private static final Set<String> ABSENT_JOBS = Set.of("loki", "promtail", "alloy", "jaeger", "jaeger-spanmetrics", "grafana");
    /** Metric name prefixes of those components. */
    private static final Pattern ABSENT_METRICS = Pattern.compile("^(loki|promtail|alloy|otelcol|grafana|jaeger|traces_span_metrics)_.*");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<AutoCloseable> processes = new ArrayList<>();
    private static final AtomicBoolean trafficRunning = new AtomicBoolean(true);
    private static Thread traffic;
    private static PrometheusApi prometheus;
    private static OtlpTestReceiver receiver;

    @BeforeAll
    static void startStackAndTraffic() {
        receiver = OtlpTestReceiver.get();
        Path work = Path.of(System.getProperty("server.dir")).resolveSibling("observability-live");
        int[] ports = ExternalProcess.freePorts(3);
        int prometheusPort = ports[0];
        int blackboxPort = ports[1];
        int alertmanagerPort = ports[2];

        LivePrometheus live = LivePrometheus.start(work, prometheusPort, blackboxPort, alertmanagerPort);
        processes.add(live);
        prometheus = live.api();
        processes.add(ExternalProcess.start(ExternalTool.BLACKBOX_EXPORTER, work,
                "--config.file=" + ObservabilityFiles.path("blackbox/blackbox.yml"),
                "--web.listen-address=127.0.0.1:" + blackboxPort)
                .awaitHttp("http://127.0.0.1:" + blackboxPort + "/metrics"));
        processes.add(ExternalProcess.start(ExternalTool.ALERTMANAGER, work,
                "--config.file=" + ObservabilityFiles.path("alertmanager/alertmanager.yml"),
                "--storage.path=" + work.resolve("alertmanager-data"),
                "--web.listen-address=127.0.0.1:" + alertmanagerPort, "--cluster.listen-address=")
                .awaitHttp("http://127.0.0.1:" + alertmanagerPort + "/-/ready"));

        // 5xx: webapp answers 502 while webapi is away.
        Deployments.undeploy("webapi.war");
        try {
            for (int i = 0; i < 5; i++) {
                Http.get(Http.APP + "/webapp/service");
            }
        } finally {
            Deployments.deploy("webapi.war");
        }
        traffic = new Thread(ObservabilityStackIT::generateTraffic, "traffic");
        traffic.start();
        Await.until(TIMEOUT, () -> prometheus.query("service_route:http_server_requests:rate5m").path("result").size(),
                series -> series >= 4, "recording rules over all four routes");
    }

    @AfterAll
    static void stopStack() throws Exception {
        trafficRunning.set(false);
        if (traffic != null) {
            traffic.join();
        }
        for (AutoCloseable process : processes) {
            process.close();
        }
    }

    @Test
    void everyTargetOfARunningComponentIsUp() {
        JsonNode targets = Await.until(TIMEOUT, () -> prometheus.targets().path("activeTargets"),
                all -> stream(all).filter(t -> !ABSENT_JOBS.contains(job(t))).allMatch(t -> "up".equals(t.path("health").asText())),
                "all targets up");
        Set<String> jobsUp = stream(targets).filter(t -> "up".equals(t.path("health").asText()))
                .map(ObservabilityStackIT::job).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("app", "wildfly", "health-ready", "health-live", "prometheus",
                "alertmanager", "blackbox")), jobsUp);
        // Both application services, told apart by their service label within the one job.
        Set<String> appServicesUp = stream(targets).filter(t -> "app".equals(job(t)) && "up".equals(t.path("health").asText()))
                .map(t -> t.path("labels").path("service").asText()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("webapp", "webapi")), appServicesUp);
    }

    @Test
    void everyRecordingRuleReturnsSeries() {
        // Fails with the rules still empty at the deadline.
        Await.until(TIMEOUT, () -> AlertRules.recordingRules().stream()
                        .map(AlertRules.RecordingRule::record)
                        .filter(record -> prometheus.query(record).path("result").isEmpty()).toList(),
                List::isEmpty, "every recording rule to have series");
    }

    @Test
    void everyAlertExpressionEvaluates() {
        for (AlertRules.Alert alert : AlertRules.alerts()) {
            prometheus.query(alert.expr()); // an error fails inside
        }
        JsonNode groups = prometheus.rules().path("groups");
        long alerts = stream(groups).flatMap(g -> stream(g.path("rules"))).filter(r -> "alerting".equals(r.path("type").asText())).count();
        assertEquals(AlertRules.alerts().size(), alerts, "alert rules loaded by Prometheus");
    }

    @Test
    void everyDashboardQueryAndVariableReturnsSeries() {
        List<String> queries = new ArrayList<>();
        List<String> notProvable = new ArrayList<>();
        for (Dashboards.PanelQuery query : Dashboards.promQlQueries()) {
            String label = query.dashboardUid() + " / " + query.panelTitle() + " [" + query.refId() + "]";
            if (query.mayBeEmpty() || usesAbsentComponent(query.expr())) {
                notProvable.add(label + (query.mayBeEmpty() ? " (may be empty by design)" : " (component not running here)"));
            } else {
                queries.add(label + "\n    " + Dashboards.withVariablesExpanded(query.expr()));
            }
        }
        for (Dashboards.VariableQuery variable : Dashboards.variableQueries()) {
            String selector = Dashboards.labelValuesSelector(variable.query());
            if ("prometheus".equals(variable.datasourceType()) && selector != null) {
                queries.add(variable.dashboardUid() + " / variable " + variable.name() + "\n    "
                        + Dashboards.withVariablesExpanded(selector));
            }
        }
        queries.addAll(GrafanaProvisioning.correlationPromQl().stream()
                .map(q -> "datasource correlation\n    " + Dashboards.withVariablesExpanded(q)).toList());
        System.out.println("Dashboard queries not provable here:\n  " + String.join("\n  ", notProvable));

        // Fails with the queries still empty at the deadline.
        Await.until(TIMEOUT, () -> queries.stream()
                        .filter(q -> prometheus.query(q.substring(q.indexOf("\n    ") + 5)).path("result").isEmpty())
                        .toList(),
                List::isEmpty, "every dashboard query to return series");
    }

    /**
     * Annotation queries mark events (an alert firing, a JVM in its first two minutes): empty on a steady server, so
     * each is only run against the real Prometheus (an error fails inside) and listed.
     */
    @Test
    void everyAnnotationQueryEvaluates() {
        List<Dashboards.AnnotationQuery> queries = Dashboards.annotationQueries();
        assertFalse(queries.isEmpty());
        for (Dashboards.AnnotationQuery query : queries) {
            prometheus.query(Dashboards.withVariablesExpanded(query.expr()));
        }
        System.out.println("Annotation queries evaluated (events, may be empty): " + queries.size());
    }

    @Test
    void latencyExemplarsPointAtTracesTheReceiverGot() {
        long now = System.currentTimeMillis() / 1000;
        Set<String> exemplarTraceIds = Await.until(TIMEOUT, () -> {
            Set<String> ids = new TreeSet<>();
            JsonNode data = prometheus.exemplars("http_server_request_duration_seconds_bucket", now - 600, now + 600);
            for (JsonNode series : data) {
                for (JsonNode exemplar : series.path("exemplars")) {
                    ids.add(exemplar.path("labels").path("trace_id").asText());
                }
            }
            return ids;
        }, ids -> !ids.isEmpty(), "exemplars stored by Prometheus");
        Set<String> received = receiver.spans().stream().map(OtlpTestReceiver.ReceivedSpan::traceId)
                .collect(Collectors.toSet());
        assertTrue(exemplarTraceIds.stream().anyMatch(received::contains),
                "no exemplar trace id among the traces received: " + exemplarTraceIds);
    }

    @Test
    void logPipelinesAndLokiDerivedFieldExtractTheTraceIdOfRealLines() {
        List<JsonNode> lines = ServerLog.lines().stream().filter(l -> ServerLog.mdc(l, "trace_id") != null).toList();
        assertFalse(lines.isEmpty(), "no log line with a trace_id");
        Pattern derivedField = Pattern.compile(GrafanaProvisioning.datasources().get("loki").path("jsonData")
                .path("derivedFields").findValuesAsText("matcherRegex").stream()
                .filter(regex -> regex.contains("(")).findFirst().orElseThrow());
        for (LogPipelines.Pipeline pipeline : List.of(LogPipelines.promtail(), LogPipelines.alloy())) {
            Map<String, String> expressions = pipeline.jsonExpressions();
            for (JsonNode line : lines) {
                String expected = ServerLog.mdc(line, "trace_id");
                assertEquals(expected, jmesPath(line, expressions.get("trace_id")), "json stage on " + line);
                assertEquals(ServerLog.mdc(line, "request_id"), jmesPath(line, expressions.get("request_id")));
                // The service label: the WAR that served the request, whichever class wrote the line.
                String logger = line.path("loggerName").asText();
                String service = jmesPath(line, expressions.get("service"));
                assertTrue(Set.of("webapp", "webapi").contains(service), "service of " + line);
                if (logger.startsWith("org.wildfly.mlt.webapp.") || logger.startsWith("org.wildfly.mlt.webapi.")) {
                    assertEquals(logger.substring("org.wildfly.mlt.".length()).split("\\.")[0], service, line.toString());
                }
                Matcher matcher = derivedField.matcher(line.toString());
                assertTrue(matcher.find(), "derived field misses " + line);
                assertEquals(expected, matcher.group(1));
            }
        }
    }

    /** The dotted-path subset of JMESPath the shippers' json stages use (e.g. mdc.trace_id). */
    private static String jmesPath(JsonNode line, String expression) {
        JsonNode node = line;
        for (String part : expression.split("\\.")) {
            node = node.path(part);
        }
        return node.isMissingNode() ? null : node.asText();
    }

    private static boolean usesAbsentComponent(String expr) {
        return PromQl.metricNames(expr).stream().anyMatch(name -> ABSENT_METRICS.matcher(name).matches())
                || ABSENT_JOBS.stream().anyMatch(job -> expr.contains("job=\"" + job + "\""));
    }

    private static void generateTraffic() {
        while (trafficRunning.get()) {
            Http.get(Http.APP + "/webapp/service");
            Http.get(Http.APP + "/webapp/");
            Http.get(Http.APP + "/webapi/");
            Http.get(Http.APP + "/webapi/add?a=1&b=2");
            Http.get(Http.APP + "/webapi/add?a=not-a-number");
            // webapi's reads: the history and the cached stats (the persistence dashboard's SELECTs and cache panels).
            Http.get(Http.APP + "/webapi/history?limit=5");
            Http.get(Http.APP + "/webapi/stats");
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String job(JsonNode target) {
        return target.path("labels").path("job").asText();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list.stream();
    }
}
