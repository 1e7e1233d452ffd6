package org.wildfly.mlt.webapi.db;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * {@code webapi_schema_migrations{state="applied|pending|failed|future"}}, read from the database at every scrape (a
 * value computed once at start goes stale: django-prometheus #405, #428). Absent while the database cannot be read:
 * "unknown" is not zero.
 */
@ApplicationScoped
public class SchemaMetrics {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final Attributes APPLIED = Attributes.of(STATE, "applied");
    private static final Attributes PENDING = Attributes.of(STATE, "pending");
    private static final Attributes FAILED = Attributes.of(STATE, "failed");
    private static final Attributes FUTURE = Attributes.of(STATE, "future");

    @Inject
    Meter meter;

    @Inject
    SchemaMigrations migrations;

    private ObservableLongGauge gauge;

    void register(@Observes @Initialized(ApplicationScoped.class) Object started) {
        gauge = meter.gaugeBuilder("webapi.schema.migrations")
                .setDescription("Schema migrations by state, read from the database at collection time")
                .setUnit("{migration}")
                .ofLongs()
                .buildWithCallback(measurement -> {
                    Flyway flyway = migrations.flyway();
                    if (flyway == null) {
                        return;
                    }
                    SchemaState state;
                    try {
                        state = SchemaState.of(flyway.info().all());
                    } catch (FlywayException unreadable) {
                        return;
                    }
                    measurement.record(state.applied(), APPLIED);
                    measurement.record(state.pending(), PENDING);
                    measurement.record(state.failed(), FAILED);
                    measurement.record(state.future(), FUTURE);
                });
    }

    @PreDestroy
    void unregister() {
        if (gauge != null) {
            gauge.close();
        }
    }
}
