package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** X-Request-ID: a safe caller id is kept end to end, anything else is replaced by a UUID. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RequestIdIT {

    static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Test
    void suppliedIdIsEchoedAndReachesWebapiLogs() {
        String id = "client-" + UUID.randomUUID() + ".v1_ok";
        var response = Http.get(Http.APP + "/webapp/service", "X-Request-ID", id);
        assertEquals(200, response.statusCode());
        assertEquals(id, response.headers().firstValue("X-Request-ID").orElseThrow());
        awaitWebapiLogLine(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"has spaces", "semi;colon", "quote\"d", "{braces}", "é-accent"})
    void unsafeIdIsReplaced(String unsafe) {
        var response = Http.get(Http.APP + "/webapp/service", "X-Request-ID", unsafe);
        assertEquals(200, response.statusCode());
        String replaced = response.headers().firstValue("X-Request-ID").orElseThrow();
        assertNotEquals(unsafe, replaced);
        assertTrue(replaced.matches(UUID_PATTERN), replaced);
        awaitWebapiLogLine(replaced);
    }

    @Test
    void overLongIdIsReplaced() {
        String tooLong = "a".repeat(129);
        var response = Http.get(Http.APP + "/webapi/add", "X-Request-ID", tooLong);
        assertTrue(response.headers().firstValue("X-Request-ID").orElseThrow().matches(UUID_PATTERN));
        String longest = "b".repeat(128);
        assertEquals(longest, Http.get(Http.APP + "/webapi/add", "X-Request-ID", longest)
                .headers().firstValue("X-Request-ID").orElseThrow());
    }

    @Test
    void missingIdIsGenerated() {
        var response = Http.get(Http.APP + "/webapi/");
        assertTrue(response.headers().firstValue("X-Request-ID").orElseThrow().matches(UUID_PATTERN));
    }

    private static void awaitWebapiLogLine(String requestId) {
        List<JsonNode> lines = Await.until(Duration.ofSeconds(10), () -> ServerLog.linesOfRequest(requestId),
                found -> found.stream().anyMatch(l -> l.path("loggerName").asText().startsWith("org.wildfly.mlt.webapi")),
                "a webapi log line with request id " + requestId);
        assertTrue(lines.stream().allMatch(l -> l.path("mdc").hasNonNull("trace_id")), lines.toString());
    }
}
