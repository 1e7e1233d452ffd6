package org.wildfly.mlt.webapp;

import io.opentelemetry.api.OpenTelemetry;
import io.smallrye.opentelemetry.implementation.rest.OpenTelemetryClientFilter;
import jakarta.enterprise.inject.spi.CDI;
import org.eclipse.microprofile.rest.client.RestClientBuilder;
import org.eclipse.microprofile.rest.client.spi.RestClientBuilderListener;

/**
 * Workaround for smallrye-opentelemetry #316 (SmallRye OpenTelemetry 2.11.2, in every WildFly up to 41): gives every
 * REST client webapp builds a working MicroProfile Telemetry client filter (client span, client metrics, traceparent
 * sent to webapi). Delete it once the server ships a release with #316 fixed (MetricsIT's exact count of client
 * calls, after HealthIT's undeploy, proves it either way).
 *
 * <p>RESTEasy hands the filter to REST clients through a server-wide provider factory that the most recently deployed
 * JAX-RS application installs. Once that application is undeployed, a client built afterwards (webapp builds its
 * client on the first /service call) gets the filter created without CDI: its instrumenter is null and it silently
 * does nothing until webapp is redeployed. HealthIT undeploying webapi before the first /service call reproduced
 * this every time: no client span, and webapi's spans in traces of their own.
 *
 * <p>The filter registered here is built from the deployment's own OpenTelemetry. When the inherited filter does
 * work, it starts the client span first and this one sees a client span already current and stays out (the
 * instrumenter never nests two client spans), so a call never gets two.
 */
public class WebapiClientTracing implements RestClientBuilderListener {

    @Override
    public void onNewBuilder(RestClientBuilder builder) {
        builder.register(new ClientSpans(CDI.current().select(OpenTelemetry.class).get()));
    }

    /** The same filter under a class of its own: RESTEasy ignores a second registration of a class it already has. */
    static final class ClientSpans extends OpenTelemetryClientFilter {
        ClientSpans(OpenTelemetry openTelemetry) {
            super(openTelemetry);
        }
    }
}
