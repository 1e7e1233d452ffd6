package org.wildfly.mlt.web;

import jakarta.ws.rs.core.Response;

/** A failure the application answers with a problem response: the status and a detail safe to show to the caller. */
public class ProblemException extends RuntimeException {

    private final Response.Status status;

    public ProblemException(Response.Status status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    public Response.Status status() {
        return status;
    }
}
