package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.it.OtlpTestReceiver.ReceivedSpan;

/** One /service call produces one trace across both services, and log lines that point into it. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TraceLogCorrelationIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static OtlpTestReceiver receiver;
    private static String requestId;
    private static List<ReceivedSpan> trace;

    @BeforeAll
    static void callServiceOnce() {
        receiver = OtlpTestReceiver.get();
        requestId = "it-trace-" + UUID.randomUUID();
        assertEquals(200, Http.get(Http.APP + "/webapp/service", "X-Request-ID", requestId).statusCode());

        ReceivedSpan webappServer = receiver.awaitServerSpan("webapp", requestId, TIMEOUT);
        trace = receiver.awaitServiceTrace(webappServer.traceId(), TIMEOUT);
    }

    @Test
    void webappRecordsServerClientAndManualSpans() {
        ReceivedSpan server = only("webapp", SpanKind.SPAN_KIND_SERVER);
        ReceivedSpan manual = only("webapp", SpanKind.SPAN_KIND_INTERNAL);
        ReceivedSpan client = only("webapp", SpanKind.SPAN_KIND_CLIENT);

        assertEquals("calculate sum", manual.name());
        assertEquals(server.spanId(), manual.parentSpanId());
        assertEquals(manual.spanId(), client.parentSpanId());
        assertEquals("4", manual.attributes().get("calculator.result"));
        assertEquals("webapi", manual.attributes().get("peer.service"));
        assertEquals("/webapp/service", server.attributes().get("http.route"));
    }

    @Test
    void resourceNamesServiceVersionAndEnvironment() {
        for (ReceivedSpan span : trace) {
            // arquillian.xml sets -Dmlt.environment=test: the system property overrides the server default "dev".
            assertEquals("test", span.resource().get("deployment.environment"), span.toString());
            assertTrue(span.resource().getOrDefault("service.version", "").matches("\\d+\\.\\d+\\.\\d+.*"),
                    span.toString());
        }
    }

    @Test
    void webapiServerSpanIsAChildOfWebappClientSpan() {
        ReceivedSpan client = only("webapp", SpanKind.SPAN_KIND_CLIENT);
        ReceivedSpan webapiServer = only("webapi", SpanKind.SPAN_KIND_SERVER);

        assertEquals(client.traceId(), webapiServer.traceId());
        assertEquals(client.spanId(), webapiServer.parentSpanId());
        assertEquals("/webapi/add", webapiServer.attributes().get("http.route"));
        assertEquals(requestId, webapiServer.attributes().get("request.id"), "request id forwarded to webapi");
    }

    @Test
    void logLinesOfBothServicesCarryTheTraceAndRequestIds() {
        String traceId = trace.get(0).traceId();
        List<JsonNode> lines = Await.until(TIMEOUT, () -> ServerLog.linesOfRequest(requestId),
                found -> found.stream().anyMatch(l -> l.path("loggerName").asText().startsWith("org.wildfly.mlt.webapi"))
                        && found.stream().anyMatch(l -> l.path("loggerName").asText().startsWith("org.wildfly.mlt.webapp")),
                "log lines of both services for request " + requestId);

        for (JsonNode line : lines) {
            assertEquals(traceId, ServerLog.mdc(line, "trace_id"), line.toString());
            String spanId = ServerLog.mdc(line, "span_id");
            assertTrue(trace.stream().anyMatch(s -> s.spanId().equals(spanId)), "span_id of a span in the trace: " + line);
        }
    }

    @Test
    void everyLogLineIsOneJsonObjectFromTheFirstBootLine() {
        List<JsonNode> lines = ServerLog.lines();
        lines.forEach(line -> assertTrue(line.hasNonNull("timestamp") && line.hasNonNull("level")
                && line.hasNonNull("message"), line.toString()));
        // JBoss Modules logs before the logging subsystem starts: only the packaged boot logging config
        // (logging.properties) can make that line JSON and put it in this file.
        assertTrue(lines.stream().anyMatch(l -> l.path("loggerName").asText().equals("org.jboss.modules")),
                "the first boot line is missing from the JSON log");
    }

    private static ReceivedSpan only(String service, SpanKind kind) {
        List<ReceivedSpan> matching = trace.stream().filter(s -> service.equals(s.service()) && s.kind() == kind).toList();
        assertEquals(1, matching.size(), service + " " + kind + " spans in " + trace);
        return matching.get(0);
    }
}
