package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.observability.AlertRules;

/**
 * The game-day faults of webapi's /add, switched as an operator does (system properties through the management API,
 * no restart), with the real Prometheus and the committed rules scraping the server while traffic flows at a fixed
 * rate: each fault shows in the answers, in the recorded error ratio or latency percentile, in the SLO fast-burn
 * alert expression, in the span and in the log line of a faulted request; once it is switched off the answers and the
 * raw counters recover at once (the 5-minute windows of the rules keep the fault for 5 minutes by design). Nothing
 * sent to the public port switches a fault.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class GameDayFaultsIT {

    private static final String LATENCY_MS = "mlt.fault.add.latency-ms";
    private static final String ERROR_RATIO = "mlt.fault.add.error-ratio";
    private static final String UNAVAILABLE = "mlt.fault.add.unavailable";
    private static final List<String> SWITCHES = List.of(LATENCY_MS, ERROR_RATIO, UNAVAILABLE);

    private static final String ADD = Http.APP + "/webapi/add?a=2&b=3";
    /** Well above webapi's latency threshold (0.25 s) and any answer time of this machine, so that bounds hold wide. */
    private static final Duration LATENCY = Duration.ofSeconds(1);
    /** The HighErrorRatio threshold of alerts.yml. */
    private static final double HIGH_ERROR_RATIO = 0.05;
    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final String ROUTE = "service=\"webapi\", http_route=\"/webapi/add\"";
    private static final String RAW = "job=\"app\", service=\"webapi\", http_route=\"/webapi/add\"";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIVE_XX = "sum(http_server_request_duration_seconds_count{" + RAW
            + ", http_response_status_code=~\"5..\"})";

    private LivePrometheus live;
    private static PrometheusApi prometheus;
    private static BackgroundTraffic traffic;

    @BeforeAll
    static void startTraffic() {
        OtlpTestReceiver.get();
        switchAllOff();
        // 20 requests/s, whatever the answers take.
        traffic = BackgroundTraffic.start(ADD, Duration.ofMillis(50));
    }

    /** A Prometheus of its own for each test: no fault of an earlier test is in its windows. */
    @BeforeEach
    void startPrometheus() {
        int[] ports = ExternalProcess.freePorts(3);
        live = LivePrometheus.start(Path.of(System.getProperty("server.dir")).resolveSibling("game-day-prometheus"),
                ports[0], ports[1], ports[2]);
        prometheus = live.api();
        Await.until(TIMEOUT, () -> prometheus.query("service_route:http_server_requests:rate5m{" + ROUTE + "}")
                .path("result").size(), n -> n == 1, "the recorded request rate of /webapi/add");
    }

    @AfterEach
    void stopPrometheus() {
        if (live != null) {
            live.close();
        }
    }

    @AfterAll
    static void stopTraffic() {
        try {
            if (traffic != null) {
                System.out.println("GameDayFaultsIT background traffic answers by status: " + traffic.statuses());
                traffic.close();
            }
        } finally {
            switchAllOff();
        }
    }

    @Test
    void addedLatencySlowsEveryAnswerRaisesP95AndBurnsTheLatencyBudgetThenRecovers() {
        assertTrue(fastBurn("latency").isEmpty(), "the latency SLO burns before the fault: " + fastBurn("latency"));
        try {
            Management.setSystemProperty(LATENCY_MS, String.valueOf(LATENCY.toMillis()));
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                HttpResponse<String> slow = Http.get(ADD);
                long took = millisSince(started);
                assertEquals(200, slow.statusCode(), slow.body());
                assertTrue(slow.body().contains("\"result\":5"), slow.body());
                assertTrue(took >= LATENCY.toMillis(), "answered in " + took + " ms with the latency switched on");
            }
            double p95 = Await.until(TIMEOUT, () -> value("service_route:http_server_request_duration_seconds:p95_5m{"
                    + ROUTE + "}"), v -> v > LATENCY.toMillis() / 1000.0, "the recorded p95 of /webapi/add above "
                    + LATENCY.toMillis() + " ms");
            JsonNode burn = Await.until(TIMEOUT, () -> fastBurn("latency"), r -> !r.isEmpty(),
                    "ErrorBudgetFastBurn's expression to fire for webapi's latency SLO");
            print("latency " + LATENCY.toMillis() + " ms: p95_5m of /webapi/add " + format(p95)
                    + " s, latency SLI error ratio 5m " + format(value("slo:sli_error:ratio_rate5m{service=\"webapi\", slo=\"latency\"}"))
                    + ", fast-burn expression " + burn);
        } finally {
            Management.removeSystemProperty(LATENCY_MS);
        }
        long off = System.currentTimeMillis();
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long started = System.nanoTime();
            assertEquals(200, Http.get(ADD).statusCode());
            times.add(millisSince(started));
        }
        assertTrue(times.stream().sorted().toList().get(2) < LATENCY.toMillis() / 2,
                "answers after the latency was switched off: " + times + " ms");
        // Requests started before the switch-off may still take the latency; none started after it does.
        assertNoMoreAfter(off + LATENCY.toMillis(), "sum(http_server_request_duration_seconds_count{" + RAW
                + ", http_response_status_code=\"200\"}) - sum(http_server_request_duration_seconds_bucket{" + RAW
                + ", http_response_status_code=\"200\", le=\"0.25\"})", "answers slower than 0.25 s");
    }

    @Test
    void anErrorRatioFailsThatShareOfAnswersRaisesTheRecordedErrorRatioAndBurnsTheBudgetThenRecovers() throws Exception {
        assertTrue(fastBurn("availability").isEmpty(), "the availability SLO burns before the fault");
        String failedId = null;
        try {
            Management.setSystemProperty(ERROR_RATIO, "0.5");
            int failed = 0;
            for (int i = 0; i < 200; i++) {
                String id = "game-day-error-" + i + "-" + UUID.randomUUID();
                HttpResponse<String> answer = Http.get(ADD, "X-Request-ID", id);
                if (answer.statusCode() == 500) {
                    ServiceEndpointsIT.assertProblem(answer, 500);
                    failed++;
                    failedId = id;
                } else {
                    assertEquals(200, answer.statusCode(), answer.body());
                }
            }
            // Binomial(200, 0.5): 100 +- 7; 60 and 140 are more than 5 standard deviations away.
            assertTrue(failed >= 60 && failed <= 140, failed + " of 200 answers failed at an error ratio of 0.5");
            assertFaultInSpanAndLog(failedId, "error-ratio");

            double rate500 = Await.until(TIMEOUT, () -> value(recordedRate("500")), v -> v > 0, "500s of /webapi/add recorded");
            double ratio = Await.until(TIMEOUT, () -> value("service_route:http_server_request_errors:ratio_rate5m{"
                    + ROUTE + "}"), v -> v > HIGH_ERROR_RATIO, "the recorded 5xx ratio of /webapi/add above 5%");
            JsonNode burn = Await.until(TIMEOUT, () -> fastBurn("availability"), r -> !r.isEmpty(),
                    "ErrorBudgetFastBurn's expression to fire for webapi's availability SLO");
            print("error ratio 0.5: 500 rate_5m " + format(rate500) + "/s, " + failed + " of 200 answers 500; ratio_rate5m of /webapi/add " + format(ratio)
                    + ", availability SLI error ratio 5m "
                    + format(value("slo:sli_error:ratio_rate5m{service=\"webapi\", slo=\"availability\"}"))
                    + ", fast-burn expression " + burn);
        } finally {
            Management.removeSystemProperty(ERROR_RATIO);
        }
        long off = System.currentTimeMillis();
        for (int i = 0; i < 50; i++) {
            assertEquals(200, Http.get(ADD).statusCode(), "answer " + i + " after the error ratio was switched off");
        }
        assertNoMoreAfter(off, FIVE_XX, "5xx answers");
    }

    @Test
    void unavailableAnswersEvery503WithRetryAfterAndBurnsTheBudgetThenRecovers() throws Exception {
        assertTrue(fastBurn("availability").isEmpty(), "the availability SLO burns before the fault");
        try {
            Management.setSystemProperty(UNAVAILABLE, "true");
            String id = "game-day-unavailable-" + UUID.randomUUID();
            HttpResponse<String> refused = Http.get(ADD, "X-Request-ID", id);
            ServiceEndpointsIT.assertProblem(refused, 503);
            assertEquals("5", refused.headers().firstValue("Retry-After").orElse(null));
            assertEquals(id, refused.headers().firstValue("X-Request-ID").orElse(null));
            for (int i = 0; i < 20; i++) {
                assertEquals(503, Http.get(ADD).statusCode());
            }
            assertFaultInSpanAndLog(id, "unavailable");

            double rate503 = Await.until(TIMEOUT, () -> value(recordedRate("503")), v -> v > 0, "503s of /webapi/add recorded");
            double ratio = Await.until(TIMEOUT, () -> value("service_route:http_server_request_errors:ratio_rate5m{"
                    + ROUTE + "}"), v -> v > HIGH_ERROR_RATIO, "the recorded 5xx ratio of /webapi/add above 5%");
            JsonNode burn = Await.until(TIMEOUT, () -> fastBurn("availability"), r -> !r.isEmpty(),
                    "ErrorBudgetFastBurn's expression to fire for webapi's availability SLO");
            print("unavailable: 503 rate_5m of /webapi/add " + format(rate503) + "/s, ratio_rate5m " + format(ratio)
                    + ", fast-burn expression " + burn);
        } finally {
            Management.removeSystemProperty(UNAVAILABLE);
        }
        long off = System.currentTimeMillis();
        HttpResponse<String> back = Http.get(ADD);
        assertEquals(200, back.statusCode(), back.body());
        assertTrue(back.body().contains("\"result\":5"), back.body());
        assertNoMoreAfter(off, FIVE_XX, "5xx answers");
    }

    @Test
    void nothingSentToThePublicPortSwitchesAFault() {
        assertNoSwitchSet();
        String params = String.join("&", SWITCHES.stream().map(s -> s + "=" + (s.equals(LATENCY_MS) ? "5000"
                : s.equals(ERROR_RATIO) ? "1" : "true")).toList());
        for (int i = 0; i < 20; i++) {
            long started = System.nanoTime();
            HttpResponse<String> answer = Http.get(ADD + "&" + params + "&fault=unavailable",
                    LATENCY_MS, "5000", ERROR_RATIO, "1", UNAVAILABLE, "true", "X-Fault", "unavailable",
                    "X-HTTP-Method-Override", "PUT", "Cookie", UNAVAILABLE + "=true");
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("\"result\":5"), answer.body());
            assertTrue(millisSince(started) < 5000, "a hostile request was slowed down");
        }
        // Other methods on /add, and the management API's path on the public port: nothing there.
        String operation = "{\"operation\":\"add\",\"address\":[{\"system-property\":\"" + UNAVAILABLE + "\"}],\"value\":\"true\"}";
        assertEquals(405, post(ADD, operation).statusCode());
        assertEquals(404, post(Http.APP + "/management", operation).statusCode());
        assertEquals(404, Http.get(Http.APP + "/management").statusCode());
        // The HTTP management API itself wants credentials; only the local CLI (and this test's client) is trusted.
        assertEquals(401, post(Http.MANAGEMENT + "/management", operation).statusCode());
        assertNoSwitchSet();
        assertEquals(200, Http.get(ADD).statusCode());
    }

    private static void assertNoSwitchSet() {
        List<String> set = Management.systemPropertyNames().stream().filter(SWITCHES::contains).toList();
        assertTrue(set.isEmpty(), "fault switches set: " + set);
    }

    /** The server span of the faulted request is an error tagged with the fault; its ERROR line carries its trace. */
    private static void assertFaultInSpanAndLog(String requestId, String fault) {
        OtlpTestReceiver.ReceivedSpan span = Await.until(Duration.ofSeconds(30), () -> OtlpTestReceiver.get().spans()
                .stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_SERVER && "webapi".equals(s.service())
                        && requestId.equals(s.attributes().get("request.id"))).findFirst(),
                Optional::isPresent, "the server span of " + requestId).orElseThrow();
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, span.status(), span.toString());
        assertEquals(fault, span.attributes().get("mlt.fault"), span.toString());
        List<JsonNode> errors = Await.until(Duration.ofSeconds(10), () -> ServerLog.linesOfRequest(requestId).stream()
                .filter(l -> "ERROR".equals(l.path("level").asText())).toList(), e -> !e.isEmpty(),
                "the ERROR line of " + requestId);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).path("message").asText().contains(fault), errors.toString());
        assertEquals(span.traceId(), ServerLog.mdc(errors.get(0), "trace_id"));
    }

    /**
     * Recovery as Prometheus sees it: from a scrape taken after {@code sinceMillis} to one at least 6 s later, the
     * counter of bad answers ({@code count}) stays the same while /webapi/add keeps answering 200s.
     */
    private static void assertNoMoreAfter(long sinceMillis, String count, String what) {
        String at = "max(timestamp(http_server_request_duration_seconds_count{" + RAW + ", http_response_status_code=\"200\"}))";
        String ok = "sum(http_server_request_duration_seconds_count{" + RAW + ", http_response_status_code=\"200\"})";
        double[] first = Await.until(TIMEOUT, () -> new double[] {value(at), value(count), value(ok)},
                v -> v[0] * 1000 > sinceMillis + 1000, "a scrape after the fault was switched off");
        double[] later = Await.until(TIMEOUT, () -> new double[] {value(at), value(count), value(ok)},
                v -> v[0] >= first[0] + 6 && v[2] > first[2], "a scrape 6 s later, with more 200s");
        assertEquals(first[1], later[1], what + " after the fault was switched off (counted from "
                + format(first[1]) + ", " + format(later[2] - first[2]) + " answers 200 since)");
        print("recovery: " + what + " stayed at " + format(first[1]) + " while " + format(later[2] - first[2])
                + " answers 200 arrived in " + format(later[0] - first[0]) + " s");
    }

    /** The recorded rate of /webapi/add answers with this status. */
    private static String recordedRate(String status) {
        return "service_route_code_le:http_server_request_duration_seconds_bucket:rate5m{" + ROUTE
                + ", http_response_status_code=\"" + status + "\", le=\"+Inf\"}";
    }

    /** The series ErrorBudgetFastBurn's expression returns for webapi and the SLI, as Prometheus evaluates it now. */
    private static JsonNode fastBurn(String slo) {
        String expr = AlertRules.alerts().stream().filter(a -> a.name().equals("ErrorBudgetFastBurn")).findFirst()
                .orElseThrow().expr();
        ArrayNode matching = JSON.createArrayNode();
        for (JsonNode series : prometheus.query(expr).path("result")) {
            if ("webapi".equals(series.path("metric").path("service").asText())
                    && slo.equals(series.path("metric").path("slo").asText())) {
                matching.add(series);
            }
        }
        return matching;
    }

    /** The value of a query that returns one series; NaN while it returns none. */
    private static double value(String promql) {
        JsonNode result = prometheus.query(promql).path("result");
        if (result.isEmpty()) {
            return Double.NaN;
        }
        assertEquals(1, result.size(), promql + " returned " + result);
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static HttpResponse<String> post(String url, String body) {
        return Http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)),
                "Content-Type", "application/json");
    }

    private static void switchAllOff() {
        SWITCHES.forEach(Management::removeSystemProperty);
    }

    private static void print(String figures) {
        System.out.println("GameDayFaultsIT figures: " + figures);
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
