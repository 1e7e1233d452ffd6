package org.wildfly.mlt.webapp;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.wildfly.mlt.web.RequestIds;

/**
 * What a page tells about its own request: its request id and trace id, and, when the Jaeger and Grafana base URLs
 * are configured ({@code mlt.links.jaeger-url}, {@code mlt.links.grafana-url}; env MLT_LINKS_JAEGER_URL,
 * MLT_LINKS_GRAFANA_URL), links to the trace in Jaeger and to the request's log lines in Grafana (Loki, by the
 * request_id the shippers attach to every line). A trace that was not sampled is in no backend: its id is shown, marked
 * so, without a link. Only http(s) URLs are taken; everything written is HTML-escaped.
 */
@ApplicationScoped
public class EvidenceLinks {

    /** The uid of the Loki data source, as observability/grafana/provisioning/datasources/mlt.yml provisions it. */
    static final String LOKI_UID = "loki";

    private final String jaegerUrl;
    private final String grafanaUrl;

    @Inject
    public EvidenceLinks(@ConfigProperty(name = "mlt.links.jaeger-url") Optional<String> jaegerUrl,
                         @ConfigProperty(name = "mlt.links.grafana-url") Optional<String> grafanaUrl) {
        this.jaegerUrl = base(jaegerUrl);
        this.grafanaUrl = base(grafanaUrl);
    }

    /** For CDI's client proxy only. */
    protected EvidenceLinks() {
        this.jaegerUrl = null;
        this.grafanaUrl = null;
    }

    /** The paragraph for the request this thread serves. */
    public String forCurrentRequest() {
        SpanContext span = Span.current().getSpanContext();
        return paragraph(RequestIds.current(), span.isValid() ? span.getTraceId() : null, span.isSampled());
    }

    String paragraph(String requestId, String traceId, boolean sampled) {
        StringBuilder html = new StringBuilder("<p id=\"evidence\">");
        html.append("Request id <code id=\"request-id\">").append(Pages.escape(requestId == null ? "none" : requestId))
                .append("</code>, trace id <code id=\"trace-id\">").append(Pages.escape(traceId == null ? "none" : traceId))
                .append("</code>");
        if (traceId != null && !sampled) {
            html.append(" (not sampled)");
        } else if (jaegerUrl != null && traceId != null) {
            html.append(" · <a id=\"trace-link\" href=\"").append(Pages.escape(jaegerUrl + "/trace/" + encode(traceId)))
                    .append("\">trace in Jaeger</a>");
        }
        if (grafanaUrl != null && requestId != null) {
            html.append(" · <a id=\"logs-link\" href=\"").append(Pages.escape(logsUrl(requestId)))
                    .append("\">log lines in Grafana</a>");
        }
        return html.append("</p>").toString();
    }

    /** Grafana Explore on Loki: every line of this request, of any service, in the last hour. */
    private String logsUrl(String requestId) {
        String logql = "{service=~\".+\"} | request_id=\"" + requestId.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        String pane = "{\"a\":{\"datasource\":\"" + LOKI_UID + "\",\"queries\":[{\"refId\":\"A\",\"datasource\":"
                + "{\"type\":\"loki\",\"uid\":\"" + LOKI_UID + "\"},\"expr\":" + jsonString(logql)
                + ",\"queryType\":\"range\"}],\"range\":{\"from\":\"now-1h\",\"to\":\"now\"}}}";
        return grafanaUrl + "/explore?schemaVersion=1&orgId=1&panes=" + encode(pane);
    }

    private static String jsonString(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String base(Optional<String> url) {
        return url.map(String::trim).filter(u -> u.startsWith("http://") || u.startsWith("https://"))
                .map(u -> u.replaceAll("/+$", "")).filter(u -> !u.isEmpty()).orElse(null);
    }
}
