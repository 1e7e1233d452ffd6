package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jaeger, Loki, Promtail, Alloy and Grafana provisioning have no checker binary here: they are parsed and their
 * essential sections asserted, and the ports Prometheus scrapes are the ports they serve.
 */
class StackConfigsTest {

    /** Promtail's gRPC server serves nothing: loopback and a fixed port, not port 0 (a random port on every interface). */
    @Test
    void promtailKeepsItsGrpcPortOnLoopback() {
        JsonNode server = ObservabilityFiles.yaml("promtail/promtail.yml").path("server");
        assertEquals("127.0.0.1", server.path("grpc_listen_address").asText());
        assertTrue(server.path("grpc_listen_port").asInt() > 0, server.toString());
    }

    @Test
    void jaegerReceivesOtlpAndStoresInBadgerWithRetention() {
        JsonNode jaeger = ObservabilityFiles.yaml("jaeger/jaeger.yml");
        JsonNode protocols = jaeger.path("receivers").path("otlp").path("protocols");
        assertTrue(protocols.path("grpc").path("endpoint").asText().endsWith(":4317"));
        assertTrue(protocols.path("http").path("endpoint").asText().endsWith(":4318"), "the WARs export OTLP/HTTP to 4318");

        JsonNode traces = jaeger.path("service").path("pipelines").path("traces");
        assertEquals("[\"otlp\"]", traces.path("receivers").toString());
        assertEquals("[\"jaeger_storage_exporter\",\"spanmetrics\"]", traces.path("exporters").toString());
        for (JsonNode processor : traces.path("processors")) {
            assertTrue(jaeger.path("processors").has(processor.asText()), processor.asText());
        }

        String store = jaeger.path("exporters").path("jaeger_storage_exporter").path("trace_storage").asText();
        JsonNode badger = jaeger.path("extensions").path("jaeger_storage").path("backends").path(store).path("badger");
        assertFalse(badger.isMissingNode(), "backend " + store + " is not badger");
        assertFalse(badger.path("ephemeral").asBoolean(true), "badger must keep spans on disk");
        assertFalse(badger.path("directories").path("keys").asText().isBlank());
        assertFalse(badger.path("directories").path("values").asText().isBlank());
        assertFalse(badger.path("ttl").path("spans").asText().isBlank(), "retention (ttl.spans)");

        JsonNode query = jaeger.path("extensions").path("jaeger_query");
        assertEquals(store, query.path("storage").path("traces").asText());
        assertTrue(query.path("http").path("endpoint").asText().endsWith(":16686"));
        assertTrue(jaeger.path("extensions").path("healthcheckv2").path("http").path("endpoint").asText().endsWith(":13133"));

        Set<String> enabled = new TreeSet<>();
        jaeger.path("service").path("extensions").forEach(e -> enabled.add(e.asText()));
        Set<String> configured = new TreeSet<>();
        jaeger.path("extensions").fieldNames().forEachRemaining(configured::add);
        assertEquals(configured, enabled, "every configured extension is enabled and vice versa");

        JsonNode metrics = jaeger.path("service").path("telemetry").path("metrics").path("readers").path(0)
                .path("pull").path("exporter").path("prometheus");
        assertEquals(scrapedPort("jaeger"), metrics.path("port").asInt(), "Prometheus scrapes Jaeger's own metrics");
    }

    /**
     * The Jaeger UI's "Monitor" tab (SPM): every span also goes through the spanmetrics connector into a metrics
     * pipeline whose Prometheus exporter (loopback) is the port Prometheus scrapes, and jaeger_query reads them from a
     * Prometheus metric backend with the exporter's names (_total, _milliseconds). Structure only: Jaeger cannot run
     * here; Ansible validates the file with the binary on the VM.
     */
    @Test
    void jaegerFeedsItsMonitorTabThroughSpanMetricsInPrometheus() {
        JsonNode jaeger = ObservabilityFiles.yaml("jaeger/jaeger.yml");
        JsonNode pipelines = jaeger.path("service").path("pipelines");
        assertTrue(pipelines.path("traces").path("exporters").toString().contains("\"spanmetrics\""), "spans into the connector");
        assertTrue(jaeger.path("connectors").has("spanmetrics"), "the connector is configured");
        List<String> spanMetricPipelines = new ArrayList<>();
        pipelines.fieldNames().forEachRemaining(name -> {
            if (name.startsWith("metrics") && pipelines.path(name).path("receivers").toString().equals("[\"spanmetrics\"]")) {
                spanMetricPipelines.add(name);
            }
        });
        assertEquals(1, spanMetricPipelines.size(), "one metrics pipeline out of the connector: " + pipelines);
        JsonNode exporters = pipelines.path(spanMetricPipelines.get(0)).path("exporters");
        assertEquals("[\"prometheus\"]", exporters.toString());
        String endpoint = jaeger.path("exporters").path("prometheus").path("endpoint").asText();
        assertTrue(endpoint.startsWith("127.0.0.1:"), "span metrics on loopback only: " + endpoint);
        assertEquals(scrapedPort("jaeger-spanmetrics"), Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)),
                "Prometheus scrapes the span metrics");

        String backend = jaeger.path("extensions").path("jaeger_query").path("storage").path("metrics").asText();
        JsonNode prometheus = jaeger.path("extensions").path("jaeger_storage").path("metric_backends").path(backend).path("prometheus");
        assertFalse(prometheus.isMissingNode(), "jaeger_query.storage.metrics names a prometheus metric backend: " + backend);
        assertTrue(prometheus.path("endpoint").asText().matches("\\$\\{env:JAEGER_PROMETHEUS_URL:-http://localhost:"
                + scrapedPort("prometheus") + "}"), prometheus.path("endpoint").asText());
        assertTrue(prometheus.path("normalize_calls").asBoolean() && prometheus.path("normalize_duration").asBoolean(),
                "the exporter's names: calls_total, duration_milliseconds");
    }

    @Test
    void lokiKeepsStructuredMetadataAndAppliesRetention() {
        JsonNode loki = ObservabilityFiles.yaml("loki/loki.yml");
        assertEquals(scrapedPort("loki"), loki.path("server").path("http_listen_port").asInt());
        JsonNode schema = loki.path("schema_config").path("configs").path(0);
        assertEquals("tsdb", schema.path("store").asText());
        assertEquals("v13", schema.path("schema").asText(), "structured metadata needs schema v13");
        JsonNode limits = loki.path("limits_config");
        assertTrue(limits.path("allow_structured_metadata").asBoolean());
        assertFalse(limits.path("retention_period").asText().isBlank());
        for (String limit : new String[] {"ingestion_rate_mb", "ingestion_burst_size_mb", "max_line_size",
                "per_stream_rate_limit", "max_global_streams_per_user"}) {
            assertTrue(limits.has(limit), limit);
        }
        JsonNode compactor = loki.path("compactor");
        assertTrue(compactor.path("retention_enabled").asBoolean(), "without it retention_period is ignored");
        assertEquals("filesystem", compactor.path("delete_request_store").asText());
    }

    @Test
    void shippersServeTheirMetricsWherePrometheusScrapes() {
        JsonNode promtail = ObservabilityFiles.yaml("promtail/promtail.yml");
        assertEquals(fileSdPort("promtail"), promtail.path("server").path("http_listen_port").asInt());
        assertFalse(promtail.path("positions").path("filename").asText().isBlank());
        assertTrue(promtail.path("clients").path(0).path("url").asText().contains("/loki/api/v1/push"));
        String alloy = ObservabilityFiles.read("alloy/config.alloy");
        assertTrue(alloy.contains("--server.http.listen-addr=0.0.0.0:" + fileSdPort("alloy")));
        assertTrue(alloy.contains("/loki/api/v1/push"));
    }

    @Test
    void grafanaDatasourcesAreLinkedForCorrelation() {
        var datasources = GrafanaProvisioning.datasources();
        assertEquals(Set.of("prometheus", "loki", "jaeger", "alertmanager"), datasources.keySet());
        datasources.forEach((uid, ds) -> assertEquals(uid, ds.path("type").asText(), "uid and type of " + uid));

        JsonNode exemplar = datasources.get("prometheus").path("jsonData").path("exemplarTraceIdDestinations").path(0);
        assertEquals("trace_id", exemplar.path("name").asText(), "the exemplar label the OTel exporter writes");
        assertEquals("jaeger", exemplar.path("datasourceUid").asText());

        JsonNode derived = datasources.get("loki").path("jsonData").path("derivedFields").path(0);
        assertEquals("label", derived.path("matcherType").asText(), "trace_id is structured metadata");
        assertEquals("trace_id", derived.path("matcherRegex").asText());
        assertEquals("jaeger", derived.path("datasourceUid").asText());

        JsonNode jaeger = datasources.get("jaeger").path("jsonData");
        JsonNode toLogs = jaeger.path("tracesToLogsV2");
        assertEquals("loki", toLogs.path("datasourceUid").asText());
        assertTrue(toLogs.path("filterByTraceID").asBoolean());
        assertEquals("service.name", toLogs.path("tags").path(0).path("key").asText());
        assertTrue(LogPipelines.alloy().streamLabels().contains(toLogs.path("tags").path(0).path("value").asText()),
                "traces to logs maps service.name onto a stream label");
        assertEquals("prometheus", jaeger.path("tracesToMetrics").path("datasourceUid").asText());
        assertFalse(jaeger.path("tracesToMetrics").path("queries").isEmpty());

        assertEquals("prometheus", datasources.get("alertmanager").path("jsonData").path("implementation").asText());
    }

    /** Grafana expands $NAME and ${NAME} from the environment in provisioning files; its own placeholders need "$$". */
    @Test
    void grafanaPlaceholdersAreEscapedFromEnvironmentExpansion() {
        String datasources = ObservabilityFiles.read("grafana/provisioning/datasources/mlt.yml");
        String withoutEscaped = datasources.replaceAll("(?m)^\\s*#.*$", "").replace("$$", "");
        assertFalse(withoutEscaped.matches("(?s).*\\$\\{?__.*"), "unescaped $__ or ${__ in datasources");
    }

    @Test
    void grafanaLoadsTheDashboardsFromFiles() {
        JsonNode provider = ObservabilityFiles.yaml("grafana/provisioning/dashboards/mlt.yml").path("providers").path(0);
        assertEquals("file", provider.path("type").asText());
        assertFalse(provider.path("options").path("path").asText().isBlank());
    }

    /** Port of the static target of a monitoring-host job in prometheus.yml. */
    private static int scrapedPort(String job) {
        for (JsonNode scrape : ObservabilityFiles.yaml("prometheus/prometheus.yml").path("scrape_configs")) {
            if (scrape.path("job_name").asText().equals(job)) {
                String target = scrape.path("static_configs").path(0).path("targets").path(0).asText();
                return Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
            }
        }
        throw new AssertionError("no job " + job);
    }

    /** Port of the targets in file_sd/<job>.example.yml. */
    private static int fileSdPort(String job) {
        String target = ObservabilityFiles.yaml("prometheus/file_sd/" + job + ".example.yml").path(0).path("targets").path(0).asText();
        return Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    }
}
