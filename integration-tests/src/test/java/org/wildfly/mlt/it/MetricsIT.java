package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.it.PrometheusScrape.Sample;

/** After N calls, the scraped endpoints count N per route, with buckets, business metrics and JVM metrics. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class MetricsIT {

    private static final int N = 7;
    private static final String DURATION_COUNT = "http_server_request_duration_seconds_count";
    private static final Map<String, String> SERVICE_ROUTE = Map.of("http_route", "/webapp/service",
            "http_request_method", "GET", "http_response_status_code", "200");
    private static final Map<String, String> ADD_ROUTE = Map.of("http_route", "/webapi/add",
            "http_request_method", "GET", "http_response_status_code", "200");
    private static final String CLIENT_COUNT = "http_client_request_duration_seconds_count";
    private static final Map<String, String> CALLS_TO_WEBAPI = Map.of("http_request_method", "GET",
            "http_response_status_code", "200", "server_port", "8080");
    private static final Map<String, String> OK = Map.of("outcome", "ok");
    private static final Pattern EXEMPLAR_LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    private static PrometheusScrape webapp;
    private static PrometheusScrape webapi;
    private static double serviceCountBefore;
    private static double clientCountBefore;
    private static double addCountBefore;
    private static double calculationsBefore;
    private static double additionsBefore;

    @BeforeAll
    static void callServiceNTimes() {
        OtlpTestReceiver.get();
        PrometheusScrape webappBefore = PrometheusScrape.of(Http.WEBAPP_METRICS, true);
        PrometheusScrape webapiBefore = PrometheusScrape.of(Http.WEBAPI_METRICS, true);
        serviceCountBefore = webappBefore.value(DURATION_COUNT, SERVICE_ROUTE);
        clientCountBefore = webappBefore.value(CLIENT_COUNT, CALLS_TO_WEBAPI);
        calculationsBefore = webappBefore.value("webapp_calculations_total", OK);
        addCountBefore = webapiBefore.value(DURATION_COUNT, ADD_ROUTE);
        additionsBefore = webapiBefore.value("calculator_additions_total", OK);

        for (int i = 0; i < N; i++) {
            assertEquals(200, Http.get(Http.APP + "/webapp/service").statusCode());
        }
        // Durations are recorded as the response completes, which the client may see first.
        webapp = Await.until(Duration.ofSeconds(10), () -> PrometheusScrape.of(Http.WEBAPP_METRICS, true),
                s -> s.value(DURATION_COUNT, SERVICE_ROUTE) >= serviceCountBefore + N, "webapp's request count");
        webapi = Await.until(Duration.ofSeconds(10), () -> PrometheusScrape.of(Http.WEBAPI_METRICS, true),
                s -> s.value(DURATION_COUNT, ADD_ROUTE) >= addCountBefore + N, "webapi's request count");
    }

    @Test
    void perRouteRequestCountsGrowByN() {
        assertEquals(N, webapp.value(DURATION_COUNT, SERVICE_ROUTE) - serviceCountBefore);
        assertEquals(N, webapi.value(DURATION_COUNT, ADD_ROUTE) - addCountBefore);
    }

    /** Exactly N: a missing client filter would count none, a doubled one 2N. */
    @Test
    void callsToWebapiAreCountedOncePerRequest() {
        assertEquals(N, webapp.value(CLIENT_COUNT, CALLS_TO_WEBAPI) - clientCountBefore);
    }

    @Test
    void latencyHistogramHasBucketsForQuantiles() {
        List<Sample> buckets = webapp.find("http_server_request_duration_seconds_bucket", SERVICE_ROUTE);
        assertTrue(buckets.size() > 5, "explicit buckets: " + buckets);
        assertTrue(buckets.stream().anyMatch(b -> "+Inf".equals(b.labels().get("le"))));
        double infCount = buckets.stream().filter(b -> "+Inf".equals(b.labels().get("le"))).findFirst().orElseThrow().value();
        assertEquals(webapp.value(DURATION_COUNT, SERVICE_ROUTE), infCount);
    }

    @Test
    void latencyExemplarsCarryATraceIdAndFitPrometheusLimit() {
        List<String> exemplars = webapp.find("http_server_request_duration_seconds_bucket", SERVICE_ROUTE).stream()
                .map(Sample::exemplar).filter(e -> e != null).toList();
        assertFalse(exemplars.isEmpty(), "no exemplars on the latency histogram");
        for (String exemplar : exemplars) {
            String labels = exemplar.substring(exemplar.indexOf('{') + 1, exemplar.indexOf('}'));
            Matcher label = EXEMPLAR_LABEL.matcher(labels);
            int length = 0;
            boolean hasTraceId = false;
            while (label.find()) {
                length += label.group(1).length() + label.group(2).length();
                hasTraceId |= label.group(1).equals("trace_id") && label.group(2).matches("[0-9a-f]{32}");
            }
            assertTrue(hasTraceId, exemplar);
            assertTrue(length <= 128, "Prometheus drops exemplars over 128 characters: " + exemplar);
        }
    }

    @Test
    void businessMetricsCountOutcomes() {
        assertEquals(N, webapp.value("webapp_calculations_total", OK) - calculationsBefore);
        assertEquals(N, webapi.value("calculator_additions_total", OK) - additionsBefore);
    }

    @Test
    void jvmAndServerMetricsAreExposed() {
        assertTrue(webapp.has("jvm_memory_used_bytes"), "OpenTelemetry JVM metrics");
        PrometheusScrape server = PrometheusScrape.of(Http.MANAGEMENT + "/metrics", false);
        assertTrue(server.has("base_memory_usedHeap_bytes"), "WildFly base JVM metrics");
        assertTrue(server.value("base_thread_count", Map.of()) > 0);
    }
}
