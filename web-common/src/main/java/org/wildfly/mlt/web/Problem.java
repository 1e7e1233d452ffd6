package org.wildfly.mlt.web;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem detail. Titles and details are written by this code, never copied from the request, so a
 * problem response cannot echo hostile input. {@code requestId} lets a caller quote the request to an operator.
 */
public record Problem(String type, String title, int status, String detail, String requestId) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final MediaType PROBLEM_JSON = MediaType.valueOf(MEDIA_TYPE);

    public static Response response(Response.StatusType status, String detail) {
        Problem problem = new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail,
                RequestIds.current());
        return Response.status(status).type(PROBLEM_JSON).entity(problem).build();
    }
}
