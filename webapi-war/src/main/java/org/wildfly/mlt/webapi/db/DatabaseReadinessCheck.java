package org.wildfly.mlt.webapi.db;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness "database": a pooled connection that answers within a second. Liveness never depends on the database: a
 * restart would not bring it back.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadinessCheck implements HealthCheck {

    private static final int VALID_WITHIN_SECONDS = 1;

    @Inject
    WebapiDatabase database;

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("database").withData("datasource", WebapiDatabase.JNDI_NAME);
        try (Connection connection = database.plain().getConnection()) {
            return check.status(connection.isValid(VALID_WITHIN_SECONDS)).build();
        } catch (SQLException unavailable) {
            return check.down().withData("error", "unavailable").build();
        }
    }
}
