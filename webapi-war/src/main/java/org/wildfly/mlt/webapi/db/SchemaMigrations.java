package org.wildfly.mlt.webapi.db;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jboss.logging.Logger;

/**
 * Runs the Flyway migrations (src/main/resources/db/migration) when the deployment starts, without EJB: a CDI
 * observer of the application scope's start. When the database is down then, the deployment still starts (startup
 * check "schema" DOWN, /add answers 503) and the migration is retried in the background, the waits doubling up to
 * {@code webapi.migrations.max-retry-wait-ms}, until it succeeds or the deployment stops.
 */
@ApplicationScoped
public class SchemaMigrations {

    private static final Logger LOG = Logger.getLogger(SchemaMigrations.class);
    private static final Duration FIRST_RETRY_WAIT = Duration.ofMillis(500);

    @Inject
    WebapiDatabase database;

    @Inject
    @ConfigProperty(name = "webapi.migrations.max-retry-wait-ms", defaultValue = "10000")
    long maxRetryWaitMs;

    private volatile Flyway flyway;
    private volatile boolean migrated;
    private ScheduledExecutorService retries;

    void migrateAtStart(@Observes @Initialized(ApplicationScoped.class) Object started) {
        flyway = Flyway.configure(getClass().getClassLoader())
                .dataSource(database.plain())
                .locations("classpath:db/migration")
                .load();
        if (!tryMigrate()) {
            retries = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "webapi-schema-migrations");
                thread.setDaemon(true);
                return thread;
            });
            retryAfter(FIRST_RETRY_WAIT);
        }
    }

    /** Whether this deployment's migrations have all been applied. */
    public boolean migrated() {
        return migrated;
    }

    /** The configured Flyway, or null before the deployment has started. */
    Flyway flyway() {
        return flyway;
    }

    private boolean tryMigrate() {
        try {
            var result = flyway.migrate();
            migrated = true;
            LOG.infof("Database schema at version %s, migrations applied now: %d",
                    result.targetSchemaVersion == null ? result.initialSchemaVersion : result.targetSchemaVersion,
                    result.migrationsExecuted);
            return true;
        } catch (FlywayException failed) {
            // Flyway's message names the failed migration or the connection problem, never credentials.
            LOG.warnf("Database schema migration failed, will retry: %s", failed.getMessage());
            return false;
        }
    }

    private void retryAfter(Duration wait) {
        retries.schedule(() -> {
            if (!tryMigrate()) {
                retryAfter(Duration.ofMillis(Math.min(wait.toMillis() * 2, maxRetryWaitMs)));
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stopRetrying() {
        if (retries != null) {
            retries.shutdownNow();
        }
    }
}
