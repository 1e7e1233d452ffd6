package org.wildfly.mlt.webapi.db;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** GET /history?limit=N: the N newest additions (default 20, at most 100). */
@Path("/history")
public class HistoryResource {

    @Inject
    AdditionHistory history;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public History recent(@QueryParam("limit") String limit) {
        return new History(history.recent(HistoryLimit.parse(limit)));
    }
}
