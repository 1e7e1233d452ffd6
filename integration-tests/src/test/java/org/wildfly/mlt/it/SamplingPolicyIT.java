package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.it.OtlpTestReceiver.ReceivedSpan;

/**
 * Who decides what is traced. At the edge (webapp) the configured ratio (1.0 here) decides for callers from outside,
 * whatever sampled flag their traceparent carries, unless trust in the caller is configured; probes, health and
 * metrics leave no spans; every log line says whether its trace was sampled.
 *
 * <p>"No span" is proven against a barrier: a traced request made afterwards through the same SDK, whose spans are
 * exported after any span of the request before it.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class SamplingPolicyIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** webapp's readiness check calls webapi with this traceparent (WebapiReadinessCheck.UNSAMPLED). */
    private static final String PROBE_TRACE_ID = "00000000000000000000000000be1a7e";

    private final OtlpTestReceiver receiver = OtlpTestReceiver.get();

    @Test
    void anOutsideCallerCannotSwitchTracingOffAtTheEdge() {
        String traceId = randomHex(16);
        String requestId = call(traceId);

        ReceivedSpan server = Await.until(TIMEOUT, () -> span("webapp", traceId, SpanKind.SPAN_KIND_SERVER),
                span -> span != null, "webapp's server span in the caller's trace " + traceId);
        assertEquals(requestId, server.attributes().get("request.id"), server.toString());
        Await.until(TIMEOUT, () -> span("webapi", traceId, SpanKind.SPAN_KIND_SERVER), span -> span != null,
                "webapi's server span in the same trace: webapp's decision travels on");
        assertLogLinesSay(requestId, traceId, "true");
    }

    @Test
    void withTrustConfiguredTheCallersFlagDecides() {
        Deployments.withSystemProperty("mlt.tracing.honour-caller-sampling", "true", () -> {
            String traceId = randomHex(16);
            String requestId = call(traceId);
            barrier();
            assertEquals(List.of(), spansOf(traceId), "a trace the caller did not sample");
            assertLogLinesSay(requestId, traceId, "false");
        }, "webapp.war");
    }

    @Test
    void probesHealthAndMetricsLeaveNoSpans() {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(Http.MANAGEMENT + "/health/ready").statusCode(), "webapp's check calls webapi");
            assertEquals(200, Http.get(Http.MANAGEMENT + "/health").statusCode());
            assertEquals(200, Http.get(Http.MANAGEMENT + "/metrics").statusCode());
            assertEquals(200, Http.get(Http.WEBAPP_METRICS).statusCode());
        }
        barrier();
        assertEquals(List.of(), spansOf(PROBE_TRACE_ID), "webapi traced webapp's readiness probes");
        List<ReceivedSpan> probeLike = receiver.spans().stream()
                .filter(span -> (span.name() + " " + span.attributes().get("url.path") + " "
                        + span.attributes().get("http.route")).matches(".*/(health|metrics).*"))
                .toList();
        assertEquals(List.of(), probeLike, "spans of health or metrics requests");
    }

    /** GET /webapp/service with a traceparent whose sampled flag is off; returns the request id. */
    private static String call(String traceId) {
        String requestId = "it-sampling-" + UUID.randomUUID();
        String traceparent = "00-" + traceId + "-" + randomHex(8) + "-00";
        assertEquals(200, Http.get(Http.APP + "/webapp/service", "X-Request-ID", requestId, "traceparent", traceparent)
                .statusCode());
        return requestId;
    }

    /** A traced request through both SDKs; returns once its spans have arrived. */
    private void barrier() {
        String requestId = "it-barrier-" + UUID.randomUUID();
        assertEquals(200, Http.get(Http.APP + "/webapp/service", "X-Request-ID", requestId).statusCode());
        Await.until(TIMEOUT, () -> receiver.spans().stream()
                        .filter(span -> span.kind() == SpanKind.SPAN_KIND_SERVER
                                && requestId.equals(span.attributes().get("request.id")))
                        .map(ReceivedSpan::service).distinct().count(),
                services -> services == 2, "the barrier request's server spans from webapp and webapi");
    }

    private static void assertLogLinesSay(String requestId, String traceId, String sampled) {
        List<JsonNode> lines = Await.until(TIMEOUT, () -> ServerLog.linesOfRequest(requestId),
                found -> found.size() >= 2, "log lines of both services for request " + requestId);
        for (JsonNode line : lines) {
            assertEquals(traceId, ServerLog.mdc(line, "trace_id"), line.toString());
            assertEquals(sampled, ServerLog.mdc(line, "trace_sampled"), line.toString());
        }
        assertFalse(lines.stream().map(line -> ServerLog.mdc(line, "service")).distinct().count() < 2,
                "lines of webapp and webapi: " + lines);
    }

    private ReceivedSpan span(String service, String traceId, SpanKind kind) {
        return spansOf(traceId).stream().filter(s -> s.service().equals(service) && s.kind() == kind)
                .findFirst().orElse(null);
    }

    private List<ReceivedSpan> spansOf(String traceId) {
        return receiver.spans().stream().filter(span -> span.traceId().equals(traceId)).toList();
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros, which W3C trace context forbids
        return HexFormat.of().formatHex(random);
    }
}
