package org.wildfly.mlt.webapi;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;

@Path("/")
public class InfoResource {

    @Inject
    @ConfigProperty(name = "otel.service.name")
    String name;

    @Inject
    @ConfigProperty(name = "app.version")
    String version;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ServiceInfo info() {
        return new ServiceInfo(name, version);
    }
}
