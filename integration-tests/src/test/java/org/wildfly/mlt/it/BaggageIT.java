package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Trace context from outside: webapp continues the caller's trace (W3C traceparent) but does not forward the caller's
 * W3C baggage to webapi, whose values would otherwise travel, unchecked and up to several KB, to every service behind
 * it. Forwarding is an operator's choice: otel.propagators=tracecontext,baggage (telemetry.cli sets tracecontext).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class BaggageIT {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
    private static final String BAGGAGE = "user.id=alice,session.token=s3cr3t";

    @Test
    void theCallersBaggageStopsAtTheEdgeWhileItsTraceGoesOn() {
        Map<String, List<String>> sent = headersWebappSendsToWebapi(Map.of());
        assertTrue(String.valueOf(sent.get("traceparent")).contains(TRACE_ID), "trace context forwarded: " + sent);
        assertNull(sent.get("baggage"), "baggage forwarded to webapi: " + sent);
    }

    @Test
    void forwardedOnlyWhenTheOperatorConfiguresTheBaggagePropagator() {
        Map<String, List<String>> sent = headersWebappSendsToWebapi(Map.of("otel.propagators", "tracecontext,baggage"));
        List<String> forwarded = sent.getOrDefault("baggage", List.of());
        assertEquals(1, forwarded.size(), "headers webapp sent: " + sent);
        assertEquals(Set.of(BAGGAGE.split(",")), Set.of(forwarded.get(0).split(",")), "the caller's entries, in any order");
    }

    private static Map<String, List<String>> headersWebappSendsToWebapi(Map<String, String> properties) {
        try (FakeWebapi webapi = new FakeWebapi(ExternalProcess.freePort(), Duration.ZERO).start()) {
            Map<String, String> all = new java.util.HashMap<>(properties);
            all.put("webapi.url", webapi.url());
            Deployments.withSystemProperties(all, () -> assertEquals(200, Http.get(Http.APP + "/webapp/service",
                    "traceparent", TRACEPARENT, "baggage", BAGGAGE).statusCode()), "webapp.war");
            return webapi.lastAddHeaders();
        }
    }
}
