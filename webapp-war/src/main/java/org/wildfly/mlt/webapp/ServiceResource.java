package org.wildfly.mlt.webapp;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** GET /service: 2 + 2, computed by webapi; HTML for browsers, JSON for clients that ask for it. */
@Path("/service")
public class ServiceResource {

    private static final long A = 2;
    private static final long B = 2;

    @Inject
    Calculator calculator;

    @Inject
    EvidenceLinks evidence;

    @GET
    @Produces(MediaType.TEXT_HTML + ";qs=1")
    public String html() {
        Sum sum = calculator.add(A, B);
        return Pages.page("webapp: service", "<p id=\"result\">" + sum.a() + " + " + sum.b() + " = " + sum.result()
                + "</p>\n" + evidence.forCurrentRequest() + "\n<p><a href=\"./\">Back</a></p>");
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON + ";qs=0.9")
    public Sum json() {
        return calculator.add(A, B);
    }
}
