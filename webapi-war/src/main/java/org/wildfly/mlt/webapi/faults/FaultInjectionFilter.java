package org.wildfly.mlt.webapi.faults;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;
import org.wildfly.mlt.web.Problem;

/**
 * Plays the faults the operator switched on ({@link FaultSwitches}) for the methods marked {@link FaultInjected}:
 * "unavailable" answers 503 with Retry-After at once; otherwise the added latency is waited, then the error ratio's
 * share of requests is answered 500. It reads nothing of the request. Runs after {@code TraceLogCorrelationFilter}
 * (priority USER + 10), so that the server span is current and the log lines carry its ids: the span is marked as an
 * error and tagged {@code mlt.fault}, the answer is counted by http.server.request.duration with its status like any
 * other, and every faulted request writes a line naming the fault (ERROR for the failed ones). Answers say nothing of the injection.
 */
@Provider
@FaultInjected
@Priority(Priorities.USER + 20)
public class FaultInjectionFilter implements ContainerRequestFilter {

    /** Span attribute naming the fault played on the request. */
    public static final String SPAN_ATTRIBUTE = "mlt.fault";
    /** Retry-After of the 503s, in seconds. */
    static final int RETRY_AFTER_SECONDS = 5;

    private static final Logger LOG = Logger.getLogger(FaultInjectionFilter.class);

    @Override
    public void filter(ContainerRequestContext request) {
        Faults faults = FaultSwitches.current();
        if (!faults.any()) {
            return;
        }
        Span span = Span.current();
        if (faults.unavailable()) {
            fail(span, "unavailable", FaultSwitches.UNAVAILABLE);
            request.abortWith(Response.fromResponse(Problem.response(Response.Status.SERVICE_UNAVAILABLE,
                            "The service is unavailable; try again later."))
                    .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS).build());
            return;
        }
        if (faults.latencyMs() > 0) {
            span.setAttribute(SPAN_ATTRIBUTE + ".latency_ms", faults.latencyMs());
            LOG.infof("Fault injected on /add: %d ms of latency (system property %s)", faults.latencyMs(),
                    FaultSwitches.LATENCY_MS);
            pause(faults.latencyMs());
        }
        if (faults.errorRatio() > 0 && ThreadLocalRandom.current().nextDouble() < faults.errorRatio()) {
            fail(span, "error-ratio", FaultSwitches.ERROR_RATIO);
            request.abortWith(Problem.response(Response.Status.INTERNAL_SERVER_ERROR,
                    "The request could not be completed."));
        }
    }

    private static void fail(Span span, String fault, String property) {
        span.setAttribute(SPAN_ATTRIBUTE, fault);
        span.setStatus(StatusCode.ERROR, "fault injected: " + fault);
        LOG.errorf("Fault injected on /add: %s (system property %s)", fault, property);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
