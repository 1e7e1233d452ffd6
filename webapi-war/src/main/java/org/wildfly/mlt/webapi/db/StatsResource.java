package org.wildfly.mlt.webapi.db;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** GET /stats: totals and the most frequent results, at most a few seconds old (StatsCache). */
@Path("/stats")
public class StatsResource {

    @Inject
    StatsCache stats;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Stats stats() {
        return stats.get();
    }
}
