package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.it.OtlpTestReceiver.ReceivedSpan;

/**
 * What a caller sends that identifies them (user agent, address, query string, the Host they asked for) does not
 * leave the server in telemetry: not in the exported spans of either WAR, not in exemplars. What an operator needs
 * to find and judge a request stays.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TelemetryPrivacyIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern EXEMPLAR_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    /** Attribute keys that carry the caller's address on any span. */
    private static final Set<String> CALLER_ADDRESS = Set.of("client.address", "network.peer.address");

    private static final String MARK = UUID.randomUUID().toString().substring(0, 8);
    private static final String USER_AGENT = "pii-agent-" + MARK;
    private static final String QUERY_VALUE = "pii-query-" + MARK;
    private static final String HOST = "pii-host-" + MARK + ".example";
    /** What a proxy in front would add: the caller's address, which the instrumentation records as client.address. */
    private static final String FORWARDED_FOR = "198.51.100." + (1 + new Random().nextInt(254));
    /** Request ids are the operator's handle: kept, so without the mark. */
    private static final String REQUEST_ID = "it-privacy-" + UUID.randomUUID();

    private static List<ReceivedSpan> trace;

    @BeforeAll
    static void callWithIdentifyingDetails() {
        trace = traceOf(REQUEST_ID);
    }

    /** What the instrumentation records when the lists are emptied: the details above, raw; the filter is the fix. */
    @Test
    void emptyListsKeepEverything() {
        String requestId = REQUEST_ID + "-kept";
        Deployments.withSystemProperties(Map.of("mlt.telemetry.dropped-span-attributes", "",
                "mlt.telemetry.dropped-server-span-attributes", ""), () -> {
            ReceivedSpan server = traceOf(requestId).stream()
                    .filter(s -> "webapp".equals(s.service()) && s.kind() == SpanKind.SPAN_KIND_SERVER)
                    .findFirst().orElseThrow();
            System.out.println("webapp server span with nothing dropped: " + server.attributes());
            assertEquals(USER_AGENT, server.attributes().get("user_agent.original"), server.toString());
            assertTrue(server.attributes().getOrDefault("url.query", "").contains(QUERY_VALUE), server.toString());
            assertEquals(HOST, server.attributes().get("server.address"), server.toString());
            assertEquals(FORWARDED_FOR, server.attributes().get("client.address"), server.toString());
        }, "webapp.war");
    }

    private static List<ReceivedSpan> traceOf(String requestId) {
        OtlpTestReceiver receiver = OtlpTestReceiver.get();
        RawHttp.Response response = RawHttp.get("/webapp/service?email=" + QUERY_VALUE, HOST,
                ("User-Agent: " + USER_AGENT).getBytes(StandardCharsets.US_ASCII),
                ("X-Forwarded-For: " + FORWARDED_FOR).getBytes(StandardCharsets.US_ASCII),
                ("X-Request-ID: " + requestId).getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, response.status(), response.text());

        ReceivedSpan webappServer = receiver.awaitServerSpan("webapp", requestId, TIMEOUT);
        List<ReceivedSpan> spans = receiver.awaitServiceTrace(webappServer.traceId(), TIMEOUT);
        spans.forEach(s -> System.out.println(s.service() + " " + s.kind() + " " + s.name() + ": " + s.attributes()));
        return spans;
    }

    @Test
    void noSpanCarriesWhatTheCallerSent() {
        for (ReceivedSpan span : trace) {
            span.attributes().forEach((key, value) -> {
                assertFalse(value.contains(MARK) || value.contains(FORWARDED_FOR), "span " + span.name() + " of "
                        + span.service() + ": " + key + "=" + value + " in " + span.attributes());
            });
        }
    }

    @Test
    void serverSpansCarryNoCallerAddressOrUserAgent() {
        for (ReceivedSpan span : serverSpans()) {
            for (String key : CALLER_ADDRESS) {
                assertFalse(span.attributes().containsKey(key), key + " on " + span);
            }
            assertFalse(span.attributes().containsKey("user_agent.original"), span.toString());
            assertFalse(span.attributes().containsKey("url.query"), span.toString());
            assertFalse(span.attributes().containsKey("server.address"), "the caller's Host: " + span);
        }
    }

    @Test
    void whatAnOperatorNeedsStays() {
        assertEquals(2, serverSpans().size(), trace.toString());
        for (ReceivedSpan span : serverSpans()) {
            Map<String, String> attributes = span.attributes();
            assertEquals("GET", attributes.get("http.request.method"), span.toString());
            assertEquals("200", attributes.get("http.response.status_code"), span.toString());
            assertEquals(REQUEST_ID, attributes.get("request.id"), span.toString());
            String route = "webapp".equals(span.service()) ? "/webapp/service" : "/webapi/add";
            assertEquals(route, attributes.get("http.route"), span.toString());
            assertEquals(route, attributes.get("url.path"), span.toString());
        }
        // The address webapp called is configuration, not the caller's: it stays on the client span.
        // webapp's call of webapi; webapi's JDBC spans are client spans too (database, no HTTP attributes).
        ReceivedSpan client = trace.stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT
                        && "webapp".equals(s.service()) && s.attributes().containsKey("http.request.method"))
                .findFirst().orElseThrow(() -> new AssertionError("no HTTP client span of webapp in " + trace));
        assertEquals("localhost", client.attributes().get("server.address"), client.toString());
        assertEquals("127.0.0.1", client.attributes().get("network.peer.address"), client.toString());
    }

    @Test
    void exemplarsCarryOnlyTheTraceLink() {
        traceOf(REQUEST_ID + "-exemplar"); // after a redeploy by another test, webapp's histograms start empty
        for (String metrics : List.of(Http.WEBAPP_METRICS, Http.WEBAPI_METRICS)) {
            List<String> exemplars = PrometheusScrape.of(metrics, true).exemplars();
            assertFalse(exemplars.isEmpty(), "no exemplars on " + metrics);
            for (String exemplar : exemplars) {
                Matcher label = EXEMPLAR_LABEL.matcher(exemplar.substring(0, exemplar.indexOf('}') + 1));
                Set<String> names = new TreeSet<>();
                while (label.find()) {
                    names.add(label.group(1));
                }
                assertEquals(Set.of("span_id", "trace_id"), names, metrics + ": " + exemplar);
                assertFalse(exemplar.contains(MARK), exemplar);
            }
        }
    }

    private static List<ReceivedSpan> serverSpans() {
        List<ReceivedSpan> servers = trace.stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_SERVER).toList();
        assertTrue(servers.size() >= 1, trace.toString());
        return servers;
    }
}
