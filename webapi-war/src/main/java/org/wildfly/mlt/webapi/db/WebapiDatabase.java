package org.wildfly.mlt.webapi.db;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.jdbc.datasource.JdbcTelemetry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import javax.sql.DataSource;

/**
 * The server's datasource WebapiDS (wildfly-config's datasource.cli), in two forms: traced, for the queries made while
 * serving a request (a span per statement, child of the request's server span, and db.client.operation.duration),
 * and plain, for the schema migrations, the health checks and the scrape-time schema gauge, which serve no request.
 * The instrumentation is built from this WAR's own OpenTelemetry (the jdbc:otel: driver would be one for the server).
 */
@ApplicationScoped
public class WebapiDatabase {

    public static final String JNDI_NAME = "java:jboss/datasources/WebapiDS";

    @Resource(lookup = JNDI_NAME)
    DataSource container;

    @Inject
    OpenTelemetry openTelemetry;

    private DataSource traced;

    @PostConstruct
    void instrument() {
        traced = JdbcTelemetry.create(openTelemetry).wrap(container);
    }

    public DataSource traced() {
        return traced;
    }

    public DataSource plain() {
        return container;
    }
}
