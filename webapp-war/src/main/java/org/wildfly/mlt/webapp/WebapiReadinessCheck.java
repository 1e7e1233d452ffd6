package org.wildfly.mlt.webapp;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * webapp is ready only while webapi answers its info endpoint, within a timeout shorter than a probe's.
 * The JDK client is thread-safe and pools connections: probes may run concurrently.
 */
@Readiness
@ApplicationScoped
public class WebapiReadinessCheck implements HealthCheck {

    private final HttpClient client;
    private final HttpRequest infoRequest;
    private final String url;

    @Inject
    public WebapiReadinessCheck(@ConfigProperty(name = "webapi.url") String webapiUrl,
                                @ConfigProperty(name = "webapi.readiness-timeout-ms") long timeoutMs) {
        Duration timeout = Duration.ofMillis(timeoutMs);
        this.url = webapiUrl;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.infoRequest = HttpRequest.newBuilder(URI.create(webapiUrl + "/")).timeout(timeout).GET().build();
    }

    /** For CDI's client proxy only. */
    protected WebapiReadinessCheck() {
        this.client = null;
        this.infoRequest = null;
        this.url = null;
    }

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("webapi").withData("url", url);
        try {
            int status = client.send(infoRequest, HttpResponse.BodyHandlers.discarding()).statusCode();
            return check.status(status == 200).withData("status", status).build();
        } catch (IOException unreachable) {
            return check.down().withData("error", "unreachable").build();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return check.down().withData("error", "interrupted").build();
        }
    }
}
