package org.wildfly.mlt.web;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Unknown paths, unsupported methods or media types and the like: the status JAX-RS chose, as problem+json.
 * The exception's own message may quote the request (e.g. the path), so only the status is used.
 */
@Provider
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

    @Override
    public Response toResponse(WebApplicationException exception) {
        Response original = exception.getResponse();
        Response problem = Problem.response(original.getStatusInfo(), original.getStatusInfo().getReasonPhrase());
        if (original.getHeaderString("Allow") != null) {
            return Response.fromResponse(problem).header("Allow", original.getHeaderString("Allow")).build();
        }
        return problem;
    }
}
