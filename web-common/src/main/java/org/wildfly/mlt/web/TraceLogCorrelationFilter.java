package org.wildfly.mlt.web;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.MDC;

/**
 * Links logs and traces: puts the server span's trace_id, span_id and trace_sampled in the logging MDC (WildFly does
 * not), and
 * tags the span with the request id. Runs after MicroProfile Telemetry's server filter (priority USER), which makes
 * the server span current; its response side runs before that span ends.
 */
@Provider
@Priority(Priorities.USER + 10)
public class TraceLogCorrelationFilter implements ContainerRequestFilter, ContainerResponseFilter {

    public static final String TRACE_ID = "trace_id";
    public static final String SPAN_ID = "span_id";
    /** "true" when the trace is recorded and exported; "false": the ids lead to no trace in the backend. */
    public static final String TRACE_SAMPLED = "trace_sampled";

    @Override
    public void filter(ContainerRequestContext request) {
        Span span = Span.current();
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            // Never leave ids of an earlier request on this thread in the MDC.
            clear();
            return;
        }
        MDC.put(TRACE_ID, context.getTraceId());
        MDC.put(SPAN_ID, context.getSpanId());
        MDC.put(TRACE_SAMPLED, context.isSampled() ? "true" : "false");
        String requestId = RequestIds.current();
        if (requestId != null) {
            span.setAttribute(RequestIds.SPAN_ATTRIBUTE, requestId);
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        clear();
    }

    private static void clear() {
        MDC.remove(TRACE_ID);
        MDC.remove(SPAN_ID);
        MDC.remove(TRACE_SAMPLED);
    }
}
