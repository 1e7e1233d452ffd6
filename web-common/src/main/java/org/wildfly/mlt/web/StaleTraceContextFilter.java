package org.wildfly.mlt.web;

import io.opentelemetry.context.Context;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import java.io.IOException;
import org.jboss.logging.Logger;

/**
 * A request starts with no trace context: anything current on the worker thread at this point was left behind by an
 * earlier request whose scope was never closed (MicroProfile Telemetry's REST client filter does that when a call
 * fails without a response). Left there, it would make the new request a child of a dead span and suppress its own
 * server and client spans. Runs before RESTEasy and so before the telemetry filters.
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public class StaleTraceContextFilter implements Filter {

    private static final Logger LOG = Logger.getLogger(StaleTraceContextFilter.class);

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (Context.current() != Context.root()) {
            LOG.debug("Dropping a trace context left on this thread by an earlier request");
            Context.root().makeCurrent(); // deliberately not closed: closing would restore the stale context
        }
        chain.doFilter(request, response);
    }
}
