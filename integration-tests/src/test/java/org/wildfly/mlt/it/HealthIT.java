package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** MicroProfile Health on the management interface, and webapp's readiness following webapi. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HealthIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @ParameterizedTest
    @ValueSource(strings = {"live", "ready", "started"})
    void probesAreUp(String probe) throws Exception {
        var response = Http.get(Http.MANAGEMENT + "/health/" + probe);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("UP", JSON.readTree(response.body()).get("status").asText());
    }

    @Test
    void webappIsNotReadyWhileWebapiIsUndeployed() throws Exception {
        Deployments.undeploy("webapi.war");
        try {
            JsonNode down = Await.until(TIMEOUT, Health::readiness,
                    r -> "DOWN".equals(Health.check(r, "webapi")), "webapp readiness to report webapi DOWN");
            assertEquals("DOWN", down.get("status").asText());
            var service = Http.get(Http.APP + "/webapp/service", "Accept", "application/json");
            assertTrue(service.statusCode() == 502 || service.statusCode() == 503, service.body());
            ServiceEndpointsIT.assertProblem(service, service.statusCode());
        } finally {
            Deployments.deploy("webapi.war");
        }
        JsonNode up = Await.until(TIMEOUT, Health::readiness,
                r -> "UP".equals(r.get("status").asText()), "readiness UP after webapi is redeployed");
        assertEquals("UP", Health.check(up, "webapi"));
        assertEquals(200, Http.get(Http.APP + "/webapp/service").statusCode());
    }
}
