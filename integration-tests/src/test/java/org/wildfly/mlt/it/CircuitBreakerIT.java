package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * webapi failing for good: after half of 20 calls failed, webapp stops calling it (fast 503s with Retry-After, no
 * request reaches webapi), lets a trial call through after the breaker's delay, and closes by itself once webapi
 * answers again. The breaker's state is a metric throughout.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class CircuitBreakerIT {

    private static final String SERVICE = Http.APP + "/webapp/service";
    private static final String BREAKER = "org.wildfly.mlt.webapp.Calculator/add/CircuitBreaker/";
    private static final Map<String, String> METHOD = Map.of("method", "org.wildfly.mlt.webapp.Calculator.add");
    /** Calls that must fail before the breaker may open (its requestVolumeThreshold). */
    private static final int VOLUME = 20;
    private static final Duration READ_TIMEOUT = Duration.ofMillis(300);
    /** Shortened for the test (the default is 5 s), through Fault Tolerance's own configuration key. */
    private static final Duration OPEN_FOR = Duration.ofSeconds(2);

    @Test
    void opensAfterFailuresAnswersAtOnceWithoutCallingWebapiAndClosesWhenWebapiRecovers() {
        try (FakeWebapi webapi = new FakeWebapi(ExternalProcess.freePort(), READ_TIMEOUT.multipliedBy(5)).start()) {
            Deployments.withSystemProperties(Map.of("webapi.url", webapi.url(),
                    "webapi.read-timeout-ms", String.valueOf(READ_TIMEOUT.toMillis()),
                    BREAKER + "delay", String.valueOf(OPEN_FOR.toMillis())), () -> {
                for (int i = 0; i < VOLUME; i++) {
                    assertEquals(504, Http.get(SERVICE).statusCode(), "call " + i + " to a slow webapi");
                }
                assertEquals(1.0, state("open"), "the breaker opened");

                int reachedWebapi = webapi.received();
                HttpResponse<String> refused = Http.get(SERVICE, "Accept", "application/json");
                assertProblem(refused);
                assertEquals(String.valueOf(OPEN_FOR.toSeconds()), refused.headers().firstValue("Retry-After").orElse(null));
                assertEquals(reachedWebapi, webapi.received(), "an open breaker must not call webapi");
                assertTrue(metrics().value("ft_circuitbreaker_calls_total",
                        Map.of("circuitBreakerResult", "circuitBreakerOpen")) >= 1, "refused calls counted");
                assertTrue(metrics().value("webapp_calculations_total", Map.of("outcome", "circuit_open")) >= 1);

                webapi.delay(Duration.ZERO);
                // After the delay a trial call goes through; two successes close the breaker.
                Await.until(OPEN_FOR.multipliedBy(10), () -> Http.get(SERVICE).statusCode(), status -> status == 200,
                        "/service to succeed again once webapi answers");
                Await.until(OPEN_FOR.multipliedBy(10), () -> {
                    Http.get(SERVICE);
                    return state("closed");
                }, closed -> closed == 1.0, "the breaker to close");
                assertTrue(metrics().value("ft_circuitbreaker_opened_total", METHOD) >= 1, "the opening counted");
            }, "webapp.war");
        }
    }

    private static double state(String state) {
        return metrics().value("ft_circuitbreaker_state_current", Map.of("state", state, "method", METHOD.get("method")));
    }

    private static PrometheusScrape metrics() {
        return PrometheusScrape.of(Http.WEBAPP_METRICS, false);
    }

    private static void assertProblem(HttpResponse<String> response) {
        try {
            ServiceEndpointsIT.assertProblem(response, 503);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
