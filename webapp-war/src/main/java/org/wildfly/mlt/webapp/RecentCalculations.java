package org.wildfly.mlt.webapp;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * The recent calculations for webapp's page, from webapi's history. A page is not a calculation: when webapi or its
 * database cannot answer, the page says so and is served anyway (webapi's read timeout bounds the wait).
 */
@ApplicationScoped
public class RecentCalculations {

    static final int SHOWN = 10;
    private static final Logger LOG = Logger.getLogger(RecentCalculations.class);

    @Inject
    @RestClient
    WebapiClient webapi;

    /** The paragraph, or list, for the page; numbers and an escaped time only. */
    public String html() {
        List<Calculation> recent;
        try {
            History history = webapi.history(SHOWN);
            recent = history == null || history.additions() == null ? List.of() : history.additions();
        } catch (WebApplicationException | ProcessingException unavailable) {
            // The class only: the message may carry what webapi answered.
            LOG.warnf("Recent calculations unavailable (%s)", unavailable.getClass().getSimpleName());
            return "<p id=\"recent\">Recent calculations are unavailable right now.</p>";
        }
        if (recent.isEmpty()) {
            return "<p id=\"recent\">No calculations yet.</p>";
        }
        StringBuilder html = new StringBuilder("<h2>Recent calculations</h2>\n<ul id=\"recent\">\n");
        for (Calculation calculation : recent) {
            html.append("<li>").append(calculation.a()).append(" + ").append(calculation.b()).append(" = ")
                    .append(calculation.result()).append(" <time>")
                    .append(Pages.escape(calculation.at() == null ? "" : calculation.at())).append("</time></li>\n");
        }
        return html.append("</ul>").toString();
    }
}
