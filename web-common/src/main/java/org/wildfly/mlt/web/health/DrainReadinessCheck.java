package org.wildfly.mlt.web.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness DOWN while the server drains: the first step of a graceful stop, before WildFly's suspend refuses new
 * requests. A load balancer that probes /health/ready stops sending traffic while the server still serves what it
 * sends meanwhile; then SIGTERM suspends (requests in flight finish) and the server stops. The Ansible unit's
 * ExecStop creates the marker file {@code mlt.drain-file} (env MLT_DRAIN_FILE) and waits the drain time before
 * systemd sends SIGTERM. A marker older than this JVM is left over from an earlier run and does not count.
 */
@Readiness
@ApplicationScoped
public class DrainReadinessCheck implements HealthCheck {

    private static final long STARTED = ManagementFactory.getRuntimeMXBean().getStartTime();

    @Inject
    @ConfigProperty(name = "mlt.drain-file")
    String drainFile;

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("draining").withData("marker", drainFile);
        try {
            boolean draining = Files.getLastModifiedTime(Path.of(drainFile)).toMillis() >= STARTED;
            return check.status(!draining).build();
        } catch (NoSuchFileException notDraining) {
            return check.up().build();
        } catch (IOException unreadable) {
            return check.down().withData("error", "marker unreadable").build();
        }
    }
}
