package org.wildfly.mlt.webapp;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.wildfly.mlt.web.Problem;

/**
 * The circuit to webapi is open: 503 at once, with Retry-After set to when the breaker lets a trial call through.
 * No log line per request (the breaker's opening is one event, its metrics count the calls it refused).
 */
@Provider
public class CircuitOpenMapper implements ExceptionMapper<CircuitBreakerOpenException> {

    @Inject
    @ConfigProperty(name = "org.wildfly.mlt.webapp.Calculator/add/CircuitBreaker/delay",
            defaultValue = "" + Calculator.OPEN_FOR_MS)
    long openForMs;

    @Inject
    CalculationMetrics metrics;

    @Override
    public Response toResponse(CircuitBreakerOpenException open) {
        metrics.record(WebapiOutcome.CIRCUIT_OPEN);
        return Response.fromResponse(Problem.response(WebapiOutcome.CIRCUIT_OPEN.status(), WebapiOutcome.CIRCUIT_OPEN.detail()))
                .header(HttpHeaders.RETRY_AFTER, Math.max(1, (openForMs + 999) / 1000)).build();
    }
}
