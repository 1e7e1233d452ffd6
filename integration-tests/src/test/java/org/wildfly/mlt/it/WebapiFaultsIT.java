package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * webapi failing as seen from webapp: webapp is pointed (system property webapi.url + redeploy) at a fake webapi
 * that is stopped, comes back, or is slower than the read timeout.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class WebapiFaultsIT {

    /** webapp's read timeout for webapi, set by these tests (webapi.read-timeout-ms) so that the bounds derive from it. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    /** The fake webapi's answer time when slow: well past the read timeout. */
    private static final Duration SLOW = READ_TIMEOUT.multipliedBy(3);
    /**
     * A refused call waits for no timeout, and a timed-out one for one read timeout: an answer that took twice the
     * read timeout waited for something else (a connection of the pool, a request thread). Measured: a few ms and
     * 2.0-2.1 s; the second read timeout is the headroom for a loaded machine.
     */
    private static final long ANSWER_WITHIN_MS = READ_TIMEOUT.multipliedBy(2).toMillis();
    private static final int SLOW_CALLS = 32;
    private static final String CALCULATOR = "org.wildfly.mlt.webapp.Calculator";

    @BeforeAll
    static void startTraceReceiver() {
        OtlpTestReceiver.get();
    }

    @Test
    void stoppedWebapiIsA503FastOneErrorLineEachAndRecoversWithoutRestart() {
        try (FakeWebapi webapi = new FakeWebapi(ExternalProcess.freePort(), Duration.ZERO)) {
            Deployments.withSystemProperties(pointedAt(webapi), () -> {
                List<String> requestIds = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    String id = "fault-stopped-" + i + "-" + UUID.randomUUID();
                    long started = System.nanoTime();
                    HttpResponse<String> response = Http.get(Http.APP + "/webapp/service",
                            "Accept", "application/json", "X-Request-ID", id);
                    assertTrue(millisSince(started) < READ_TIMEOUT.toMillis(), "a refused call waited "
                            + millisSince(started) + " ms");
                    assertProblem(response, 503);
                    requestIds.add(id);
                }
                Await.until(Duration.ofSeconds(10), () -> Health.readinessCheck("webapi"), "DOWN"::equals, "readiness DOWN");

                for (String id : requestIds) {
                    List<JsonNode> errors = Await.until(Duration.ofSeconds(10), () -> ServerLog.linesOfRequest(id).stream()
                            .filter(l -> "ERROR".equals(l.path("level").asText())).toList(), e -> !e.isEmpty(),
                            "the ERROR line of " + id);
                    assertEquals(1, errors.size(), "one ERROR line per failing request: " + errors);
                    assertTrue(errors.get(0).path("mdc").path("trace_id").asText().matches("[0-9a-f]{32}"));
                    assertFalse(errors.get(0).has("stackTrace"), "no stack trace for a known failure");
                }

                webapi.start();
                Await.until(Duration.ofSeconds(10), () -> Health.readinessCheck("webapi"), "UP"::equals, "readiness UP again");
                HttpResponse<String> recovered = Http.get(Http.APP + "/webapp/service", "Accept", "application/json");
                assertEquals(200, recovered.statusCode(), recovered.body());
                assertTrue(recovered.body().contains("\"result\":4"), recovered.body());
                assertTracingIntactAfterFailures();
            }, "webapp.war");
        }
    }

    @Test
    void slowWebapiIsA504WithinTheTimeoutAnd32SlowCallsLeaveOtherEndpointsAnswering() {
        try (FakeWebapi webapi = new FakeWebapi(ExternalProcess.freePort(), SLOW).start()) {
            Deployments.withSystemProperties(pointedAt(webapi), () -> {
                // The first call after a deploy also builds the REST client; the promise is about the steady state.
                assertEquals(504, Http.get(Http.APP + "/webapp/service").statusCode());
                int receivedBefore = webapi.received();
                HttpClient client = HttpClient.newHttpClient();
                List<CompletableFuture<long[]>> slowCalls = IntStream.range(0, SLOW_CALLS)
                        .mapToObj(i -> timed(client, Http.APP + "/webapp/service")).toList();
                // All of them are now held by webapi, each holding a request thread of webapp's.
                Await.until(READ_TIMEOUT, () -> webapi.received() - receivedBefore, n -> n == SLOW_CALLS,
                        "the slow calls to reach webapi");

                // With the request threads exhausted these would wait for the slow calls' timeouts: they must answer
                // while those calls are still in flight.
                for (String other : List.of(Http.APP + "/webapi/add?a=1&b=1", Http.MANAGEMENT + "/health/live")) {
                    assertEquals(200, Http.get(other).statusCode());
                }
                assertTrue(slowCalls.stream().noneMatch(CompletableFuture::isDone),
                        "webapi and health answered only after a slow call had timed out");

                List<long[]> answers = slowCalls.stream().map(CompletableFuture::join).toList();
                String seen = answers.stream().map(a -> a[0] + " in " + a[1] + " ms").toList().toString();
                assertTrue(answers.stream().allMatch(a -> a[0] == 504), seen);
                assertTrue(answers.stream().allMatch(a -> a[1] < ANSWER_WITHIN_MS), seen);
            }, "webapp.war");
        }
    }

    private static Map<String, String> pointedAt(FakeWebapi webapi) {
        return Map.of("webapi.url", webapi.url(), "webapi.read-timeout-ms", String.valueOf(READ_TIMEOUT.toMillis()));
    }

    /**
     * Failed calls must not leave trace context on the worker threads: every later request still gets a server span
     * of its own, in a trace of its own, and its log lines (awaited) carry that trace's id.
     */
    private static void assertTracingIntactAfterFailures() {
        OtlpTestReceiver receiver = OtlpTestReceiver.get();
        List<String> ids = IntStream.range(0, 20).mapToObj(i -> "after-fault-" + i + "-" + UUID.randomUUID()).toList();
        ids.forEach(id -> assertEquals(200, Http.get(Http.APP + "/webapp/service", "X-Request-ID", id).statusCode()));
        List<OtlpTestReceiver.ReceivedSpan> servers = Await.until(Duration.ofSeconds(30), () -> receiver.spans().stream()
                .filter(s -> s.kind() == SpanKind.SPAN_KIND_SERVER
                        && "webapp".equals(s.service()) && ids.contains(s.attributes().get("request.id"))).toList(),
                found -> found.size() == ids.size(), "a webapp server span for each request after the failures");
        assertEquals(ids.size(), servers.stream().map(OtlpTestReceiver.ReceivedSpan::traceId).distinct().count(),
                "one trace per request");
        for (OtlpTestReceiver.ReceivedSpan server : servers) {
            String id = server.attributes().get("request.id");
            // webapp's result line (the fake webapi writes none to this log).
            List<JsonNode> lines = Await.until(Duration.ofSeconds(10), () -> ServerLog.linesOfRequest(id),
                    found -> found.stream().anyMatch(l -> CALCULATOR.equals(l.path("loggerName").asText())),
                    "the log line of webapp's result for " + id);
            lines.forEach(line ->
                    assertEquals(server.traceId(), ServerLog.mdc(line, "trace_id"), "stale trace id in " + line));
        }
    }

    private static CompletableFuture<long[]> timed(HttpClient client, String url) {
        long started = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json")
                .timeout(Duration.ofSeconds(10)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> new long[] {response.statusCode(), millisSince(started)});
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        try {
            ServiceEndpointsIT.assertProblem(response, status);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
