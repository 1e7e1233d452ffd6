package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * webapp's HTML pages name their own request: its request id and the id of the trace it is in, and, only once the
 * Jaeger and Grafana base URLs are configured (MicroProfile Config, here as system properties and a redeploy), link
 * to that trace and to that request's log lines.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class PageEvidenceIT {

    private static final Pattern TRACE_ID = Pattern.compile("<code id=\"trace-id\">([0-9a-f]{32})</code>");
    private static final Pattern LOGS_LINK = Pattern.compile("<a id=\"logs-link\" href=\"([^\"]+)\">");

    @BeforeAll
    static void startTraceReceiver() {
        OtlpTestReceiver.get();
    }

    @Test
    void withoutBaseUrlsThePagesShowTheIdsOfTheirRequestAndNoLink() {
        for (String page : new String[] {"/webapp/", "/webapp/service"}) {
            String id = "page-" + UUID.randomUUID();
            String html = page(page, id);
            assertTrue(html.contains("<code id=\"request-id\">" + id + "</code>"), html);
            assertEquals(serverSpanTraceId(id), traceId(html), "the trace id shown is the trace of the request");
            assertFalse(html.contains("<a id=\"trace-link\"") || html.contains("<a id=\"logs-link\""), html);
        }
    }

    @Test
    void withBaseUrlsThePagesLinkToTheTraceAndToTheLogLinesOfTheirRequest() {
        Deployments.withSystemProperties(Map.of("mlt.links.jaeger-url", "http://jaeger.example:16686/",
                "mlt.links.grafana-url", "https://grafana.example"), () -> {
            String id = "page-linked-" + UUID.randomUUID();
            String html = page("/webapp/service", id);
            String traceId = traceId(html);
            assertEquals(serverSpanTraceId(id), traceId);
            assertTrue(html.contains("<a id=\"trace-link\" href=\"http://jaeger.example:16686/trace/" + traceId + "\">"),
                    html);
            Matcher logs = LOGS_LINK.matcher(html);
            assertTrue(logs.find(), html);
            String link = URLDecoder.decode(logs.group(1).replace("&quot;", "\"").replace("&amp;", "&"),
                    StandardCharsets.UTF_8);
            assertTrue(link.startsWith("https://grafana.example/explore?"), link);
            assertTrue(link.contains("request_id=\\\"" + id + "\\\""), link);
        }, "webapp.war");
    }

    private static String page(String path, String requestId) {
        HttpResponse<String> response = Http.get(Http.APP + path, "Accept", "text/html", "X-Request-ID", requestId);
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static String traceId(String html) {
        Matcher matcher = TRACE_ID.matcher(html);
        assertTrue(matcher.find(), "no trace id on the page: " + html);
        return matcher.group(1);
    }

    private static String serverSpanTraceId(String requestId) {
        return Await.until(Duration.ofSeconds(30), () -> OtlpTestReceiver.get().spans().stream()
                        .filter(s -> s.kind() == SpanKind.SPAN_KIND_SERVER && "webapp".equals(s.service())
                                && requestId.equals(s.attributes().get("request.id"))).findFirst(),
                java.util.Optional::isPresent, "webapp's server span of " + requestId).orElseThrow().traceId();
    }
}
