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
 * The JDK client is thread-safe and pools connections: probes may run concurrently. Probes are not traced: the call
 * carries a {@code traceparent} whose sampled flag is off, which webapi honours (its caller decides), so a probe
 * every few seconds leaves no one-span traces in the backend.
 */
@Readiness
@ApplicationScoped
public class WebapiReadinessCheck implements HealthCheck {

    /** W3C trace context, version 00, flags 00 (not sampled); the ids are fixed so that probes are recognisable. */
    static final String UNSAMPLED = "00-00000000000000000000000000be1a7e-00000000000be1a7-00";

    private final HttpClient client;
    private final HttpRequest infoRequest;
    private final String url;

    @Inject
    public WebapiReadinessCheck(@ConfigProperty(name = "webapi.url") String webapiUrl,
                                @ConfigProperty(name = "webapi.readiness-timeout-ms") long timeoutMs) {
        Duration timeout = Duration.ofMillis(timeoutMs);
        this.url = webapiUrl;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.infoRequest = HttpRequest.newBuilder(URI.create(webapiUrl + "/")).timeout(timeout)
                .header("traceparent", UNSAMPLED).GET().build();
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
