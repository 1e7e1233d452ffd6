package org.wildfly.mlt.web;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.MDC;

/**
 * Gives every request an id (the caller's, when valid) and echoes it on the response. The logging MDC is its one
 * carrier while the request is served (on its thread): log lines, problem responses, the span attribute and the header
 * forwarded to webapi all read it there. The MDC also names the service (otel.service.name) on every line written
 * while serving, which the log shippers label from. Pre-matching, so that unknown paths and rejected methods get an
 * id too.
 */
@Provider
@PreMatching
@Priority(Priorities.HEADER_DECORATOR)
@ApplicationScoped
public class RequestIdFilter implements ContainerRequestFilter, ContainerResponseFilter {

    /** MDC key of the service's name. */
    public static final String SERVICE = "service";

    @Inject
    @ConfigProperty(name = "otel.service.name")
    String service;

    @Override
    public void filter(ContainerRequestContext request) {
        MDC.put(RequestIds.MDC_KEY, RequestIds.acceptOrGenerate(request.getHeaderString(RequestIds.HEADER)));
        MDC.put(SERVICE, service);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String id = RequestIds.current();
        if (id != null) {
            response.getHeaders().putSingle(RequestIds.HEADER, id);
        }
        MDC.remove(RequestIds.MDC_KEY);
        MDC.remove(SERVICE);
    }
}
