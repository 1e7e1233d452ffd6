package org.wildfly.mlt.webapp;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.wildfly.mlt.web.SharedJsonbResolver;
import org.wildfly.mlt.web.telemetry.ClientSpanScopeRepair;

/** webapi over HTTP; base URL and timeouts are the "webapi/mp-rest/*" MicroProfile Config keys. */
@RegisterRestClient(configKey = "webapi")
@ClientSpanScopeRepair
@RegisterClientHeaders(RequestIdHeadersFactory.class)
@RegisterProvider(SharedJsonbResolver.class)
@Produces(MediaType.APPLICATION_JSON)
public interface WebapiClient {

    @GET
    @Path("/add")
    Sum add(@QueryParam("a") long a, @QueryParam("b") long b);

    @GET
    @Path("/history")
    History history(@QueryParam("limit") int limit);
}
