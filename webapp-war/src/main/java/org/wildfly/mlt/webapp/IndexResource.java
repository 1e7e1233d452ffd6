package org.wildfly.mlt.webapp;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

@Path("/")
public class IndexResource {

    @Inject
    EvidenceLinks evidence;

    @Inject
    RecentCalculations recent;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public String index() {
        return Pages.page("webapp", "<p>The front service of WildFly MLT.</p>\n"
                + "<p><a href=\"service\">/service</a> asks webapi for 2 + 2.</p>\n" + evidence.forCurrentRequest()
                + "\n" + recent.html());
    }
}
