package org.wildfly.mlt.webapp;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.net.SocketTimeoutException;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;
import org.wildfly.mlt.web.ProblemException;

/**
 * Asks webapi for a sum, inside a span of its own that says what was asked and how it ended. A webapi that keeps
 * failing is left alone for a while: the circuit breaker opens when half of the last 20 calls failed, answers at once
 * (503, {@link CircuitOpenMapper}) for {@link #OPEN_FOR_MS}, then lets trial calls through and closes after two
 * succeed. Its state and transitions are MicroProfile Fault Tolerance's ft_circuitbreaker_* metrics.
 */
@ApplicationScoped
public class Calculator {

    /** How long the circuit stays open; also the Retry-After of its 503s. */
    static final long OPEN_FOR_MS = 5000;

    private static final Logger LOG = Logger.getLogger(Calculator.class);

    @Inject
    @RestClient
    WebapiClient webapi;

    @Inject
    Tracer tracer;

    @Inject
    CalculationMetrics metrics;

    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = OPEN_FOR_MS, successThreshold = 2)
    public Sum add(long a, long b) {
        Span span = tracer.spanBuilder("calculate sum")
                .setAttribute("calculator.operand.a", a)
                .setAttribute("calculator.operand.b", b)
                .setAttribute("peer.service", "webapi")
                .startSpan();
        try (Scope scope = Context.current().with(span).makeCurrent()) {
            Sum sum = webapi.add(a, b);
            span.setAttribute("calculator.result", sum.result());
            metrics.record(WebapiOutcome.OK);
            LOG.infof("Computed %d + %d = %d with webapi", a, b, sum.result());
            return sum;
        } catch (WebApplicationException | ProcessingException failure) {
            WebapiOutcome outcome = classify(failure);
            span.setStatus(StatusCode.ERROR, outcome.detail());
            span.setAttribute("calculator.outcome", outcome.name().toLowerCase());
            metrics.record(outcome);
            // One line per failed request, without the stack trace: the cause is known and the trace has the rest.
            LOG.errorf("webapi call failed (%s): %s", outcome.name().toLowerCase(), failure.toString());
            throw new ProblemException(outcome.status(), outcome.detail());
        } finally {
            span.end();
        }
    }

    private static WebapiOutcome classify(RuntimeException failure) {
        if (failure instanceof WebApplicationException) {
            return WebapiOutcome.BAD_RESPONSE;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return WebapiOutcome.TIMEOUT;
            }
        }
        return WebapiOutcome.UNREACHABLE;
    }
}
