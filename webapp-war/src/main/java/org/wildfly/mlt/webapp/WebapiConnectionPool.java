package org.wildfly.mlt.webapp;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.rest.client.RestClientBuilder;
import org.eclipse.microprofile.rest.client.spi.RestClientBuilderListener;

/**
 * Sizes the REST client's connection pool. RESTEasy's default allows only a few connections per route, so under
 * concurrency /service calls queue for a connection to webapi before their read timeout even starts (a 2 s timeout
 * became 4 s with 32 concurrent slow calls). One connection per request thread is the useful bound.
 */
public class WebapiConnectionPool implements RestClientBuilderListener {

    @Override
    public void onNewBuilder(RestClientBuilder builder) {
        int size = ConfigProvider.getConfig().getOptionalValue("webapi.max-connections", Integer.class).orElse(100);
        builder.property("resteasy.connectionPoolSize", size);
        builder.property("resteasy.maxPooledPerRoute", size);
    }
}
