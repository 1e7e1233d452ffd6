package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input: it is refused or neutralised, never echoed, never breaks a log line. A hostile X-Request-ID does
 * not fail the request: the id is a correlation aid, so it is replaced (the contract of RequestIds).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HostileInputIT {

    private static final String MARKER = "h0stile";
    private static final Pattern HEADER = Pattern.compile("(?im)^X-Request-ID: ([^\r\n]*)");

    @BeforeAll
    static void startTraceReceiver() {
        OtlpTestReceiver.get();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"quote\"" + MARKER, "{\"" + MARKER + "\":1}", "braces{}" + MARKER, "back\\slash" + MARKER})
    void hostileRequestIdIsReplacedNotEchoed(String hostile) {
        RawHttp.Response response = RawHttp.get("/webapp/service",
                ("X-Request-ID: " + hostile).getBytes(StandardCharsets.UTF_8));
        assertEquals(200, response.status(), response.text());
        assertReplaced(response);
    }

    @Test
    void nonAsciiAnd10KbRequestIdsAreReplaced() {
        assertReplaced(RawHttp.get("/webapp/service", ("X-Request-ID: é€" + MARKER).getBytes(StandardCharsets.UTF_8)));
        assertReplaced(RawHttp.get("/webapp/service",
                ("X-Request-ID: " + MARKER + "x".repeat(10 * 1024)).getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void carriageReturnOrLineFeedInTheRequestIdIsNeverEchoed() {
        // Undertow ends the header value at a bare CR: the id is "a", safe, and the rest is dropped.
        RawHttp.Response bareCr = RawHttp.get("/webapp/service",
                ("X-Request-ID: a\r" + MARKER).getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, bareCr.status(), bareCr.text());
        assertFalse(bareCr.text().contains(MARKER), bareCr.text());
        // A CR LF ends the header: what follows is a header of its own, never a second id or a response header.
        RawHttp.Response split = RawHttp.get("/webapp/service",
                ("X-Request-ID: ok-id\r\nX-" + MARKER + ": injected").getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, split.status(), split.text());
        assertTrue(split.text().contains("X-Request-ID: ok-id\r\n"), split.text());
        assertFalse(split.text().contains(MARKER), split.text());
    }

    @ParameterizedTest(name = "traceparent={0}")
    @ValueSource(strings = {"00-" + MARKER + "-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "garbage"})
    void malformedTraceparentStartsANewTrace(String traceparent) {
        String requestId = "it-traceparent-" + UUID.randomUUID();
        var response = Http.get(Http.APP + "/webapp/service", "traceparent", traceparent,
                "tracestate", "=" + MARKER + ",,,", "X-Request-ID", requestId);
        assertEquals(200, response.statusCode());
        OtlpTestReceiver.ReceivedSpan server = Await.until(Duration.ofSeconds(30),
                () -> OtlpTestReceiver.get().spans().stream()
                        .filter(s -> requestId.equals(s.attributes().get("request.id"))).findFirst().orElse(null),
                span -> span != null, "the server span of " + requestId);
        assertTrue(server.traceId().matches("[0-9a-f]{32}") && !server.traceId().matches("0+"), server.traceId());
        assertFalse(traceparent.contains(server.traceId()), "the malformed parent was used");
    }

    @ParameterizedTest(name = "a={0}")
    @ValueSource(strings = {"abc", "", "99999999999999999999", "١٢٣", "1e3", "-", " 1"})
    void badOperandsAreProblems(String operand) throws Exception {
        var response = Http.get(Http.APP + "/webapi/add?b=2&a=" + java.net.URLEncoder.encode(operand, StandardCharsets.UTF_8));
        ServiceEndpointsIT.assertProblem(response, 400);
    }

    @Test
    void tenKilobyteOperandIsAProblemWithoutEcho() throws Exception {
        var response = Http.get(Http.APP + "/webapi/add?a=" + MARKER + "9".repeat(10 * 1024));
        ServiceEndpointsIT.assertProblem(response, 400);
        assertFalse(response.body().contains(MARKER));
    }

    @ParameterizedTest(name = "{0} {1}")
    @ValueSource(strings = {"PUT /webapp/service", "DELETE /webapi/", "PATCH /webapi/add", "GET /webapp/nothing",
            "GET /webapi/add/extra"})
    void unknownPathsAndUnsupportedMethodsAreProblems(String request) throws Exception {
        String[] methodAndPath = request.split(" ");
        var response = Http.send(HttpRequest.newBuilder(URI.create(Http.APP + methodAndPath[1]))
                .method(methodAndPath[0], HttpRequest.BodyPublishers.noBody()));
        assertTrue(response.statusCode() == 404 || response.statusCode() == 405, request + " → " + response.statusCode());
        ServiceEndpointsIT.assertProblem(response, response.statusCode());
    }

    @AfterAll
    static void everyLogLineIsStillOneJsonObjectAndNoneEchoesTheInput() {
        ServerLog.lines().forEach(line ->
                assertFalse(line.toString().contains(MARKER), "hostile input reached the log: " + line));
    }

    private static void assertReplaced(RawHttp.Response response) {
        assertEquals(200, response.status(), response.text());
        Matcher id = HEADER.matcher(response.text());
        assertTrue(id.find(), response.text());
        assertTrue(id.group(1).matches(RequestIdIT.UUID_PATTERN), "replaced by a UUID: " + id.group(1));
        assertFalse(response.text().contains(MARKER), "echoed: " + response.text());
    }
}
