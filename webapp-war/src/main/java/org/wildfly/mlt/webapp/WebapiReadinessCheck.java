package org.wildfly.mlt.webapp;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** webapp is ready only while webapi answers its info endpoint, within a timeout shorter than a probe's. */
@Readiness
@ApplicationScoped
public class WebapiReadinessCheck implements HealthCheck {

    @Inject
    @ConfigProperty(name = "webapi.url")
    URI webapiUrl;

    @Inject
    @ConfigProperty(name = "webapi.readiness-timeout-ms")
    long timeoutMs;

    private Client client;

    @PostConstruct
    void createClient() {
        client = ClientBuilder.newBuilder()
                .connectTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .readTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .build();
    }

    @PreDestroy
    void closeClient() {
        client.close();
    }

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("webapi").withData("url", webapiUrl.toString());
        try (Response response = client.target(webapiUrl).path("/").request().get()) {
            return check.status(response.getStatus() == 200).withData("status", response.getStatus()).build();
        } catch (RuntimeException unreachable) {
            return check.down().withData("error", "unreachable").build();
        }
    }
}
