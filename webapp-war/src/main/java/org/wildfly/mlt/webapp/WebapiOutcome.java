package org.wildfly.mlt.webapp;

import io.opentelemetry.api.common.Attributes;
import jakarta.ws.rs.core.Response;

/** How a call to webapi ended, and what /service answers for it. */
enum WebapiOutcome {
    OK(Response.Status.OK, null),
    UNREACHABLE(Response.Status.SERVICE_UNAVAILABLE, "The calculation service is unreachable."),
    TIMEOUT(Response.Status.GATEWAY_TIMEOUT, "The calculation service did not answer in time."),
    BAD_RESPONSE(Response.Status.BAD_GATEWAY, "The calculation service answered with an error."),
    /** Not called: the circuit breaker is open after too many of the above. */
    CIRCUIT_OPEN(Response.Status.SERVICE_UNAVAILABLE, "The calculation service is failing; calls to it are paused.");

    private final Response.Status status;
    private final String detail;
    private final Attributes attributes;

    WebapiOutcome(Response.Status status, String detail) {
        this.status = status;
        this.detail = detail;
        this.attributes = Attributes.of(CalculationMetrics.OUTCOME, name().toLowerCase());
    }

    Response.Status status() {
        return status;
    }

    String detail() {
        return detail;
    }

    Attributes attributes() {
        return attributes;
    }
}
