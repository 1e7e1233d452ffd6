package org.wildfly.mlt.webapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EvidenceLinksTest {

    private static final String REQUEST = "req-1";
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final Pattern HREF = Pattern.compile("id=\"logs-link\" href=\"([^\"]*)\"");

    @Test
    void withoutBaseUrlsTheIdsAreShownAndNoLink() {
        String html = links(Optional.empty(), Optional.empty()).paragraph(REQUEST, TRACE, true);
        assertEquals("<p id=\"evidence\">Request id <code id=\"request-id\">req-1</code>, trace id <code id=\"trace-id\">"
                + TRACE + "</code></p>", html);
        assertFalse(links(Optional.of(" "), Optional.of("file:///etc/passwd")).paragraph(REQUEST, TRACE, true).contains("<a"),
                "only http(s) base URLs make links");
    }

    @Test
    void withBaseUrlsTheTraceAndTheLogsOfTheRequestAreLinked() {
        String html = links(Optional.of("http://jaeger.example:16686/"), Optional.of("https://grafana.example"))
                .paragraph(REQUEST, TRACE, true);
        assertTrue(html.contains("<a id=\"trace-link\" href=\"http://jaeger.example:16686/trace/" + TRACE + "\">"), html);
        String logs = decodedLogsLink(html);
        assertTrue(logs.startsWith("https://grafana.example/explore?schemaVersion=1&orgId=1&panes="), logs);
        assertTrue(logs.contains("\"uid\":\"loki\""), logs);
        assertTrue(logs.contains("\"expr\":\"{service=~\\\".+\\\"} | request_id=\\\"req-1\\\"\""), logs);
    }

    @Test
    void anUnsampledTraceIsNamedButNotLinked() {
        String html = links(Optional.of("http://jaeger.example"), Optional.of("http://grafana.example"))
                .paragraph(REQUEST, TRACE, false);
        assertTrue(html.contains(TRACE + "</code> (not sampled)"), html);
        assertFalse(html.contains("trace-link"), html);
        assertTrue(html.contains("logs-link"), "the log lines exist either way: " + html);
    }

    @Test
    void noIdsNoLinks() {
        String html = links(Optional.of("http://jaeger.example"), Optional.of("http://grafana.example")).paragraph(null, null, false);
        assertTrue(html.contains("Request id <code id=\"request-id\">none</code>, trace id <code id=\"trace-id\">none</code>"), html);
        assertFalse(html.contains("<a"), html);
    }

    @Test
    void everythingWrittenIsEscaped() {
        String hostile = "http://x.example/\"><script>alert(1)</script>";
        String html = links(Optional.of(hostile), Optional.of(hostile)).paragraph("a\"<b>&'", "<i>", true);
        assertFalse(html.contains("<script>"), html);
        assertFalse(html.contains("<b>") || html.contains("<i>"), html);
        assertTrue(html.contains("a&quot;&lt;b&gt;&amp;&#39;"), html);
        assertTrue(html.contains("href=\"http://x.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/trace/%3Ci%3E\""), html);
        // The request id is a JSON string inside the LogQL string: quotes cannot end either.
        assertTrue(decodedLogsLink(html).contains("request_id=\\\"a\\\\\\\"<b>&'\\\""), decodedLogsLink(html));
    }

    private static String decodedLogsLink(String html) {
        Matcher href = HREF.matcher(html);
        assertTrue(href.find(), html);
        String unescaped = href.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&#39;", "'").replace("&amp;", "&");
        return URLDecoder.decode(unescaped, StandardCharsets.UTF_8);
    }

    private static EvidenceLinks links(Optional<String> jaeger, Optional<String> grafana) {
        return new EvidenceLinks(jaeger, grafana);
    }
}
