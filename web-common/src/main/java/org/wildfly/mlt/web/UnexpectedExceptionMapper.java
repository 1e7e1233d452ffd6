package org.wildfly.mlt.web;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/** A bug: logged once with its stack trace (inside the JSON line), answered with a 500 that names no class. */
@Provider
public class UnexpectedExceptionMapper implements ExceptionMapper<RuntimeException> {

    private static final Logger LOG = Logger.getLogger(UnexpectedExceptionMapper.class);

    @Override
    public Response toResponse(RuntimeException exception) {
        LOG.error("Unexpected failure while serving a request", exception);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "The request could not be completed.");
    }
}
