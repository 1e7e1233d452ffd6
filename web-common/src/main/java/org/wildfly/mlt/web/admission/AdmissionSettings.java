package org.wildfly.mlt.web.admission;

import java.util.Set;
import org.eclipse.microprofile.config.Config;

/**
 * The deployment's admission settings (MicroProfile Config; environment form MLT_ADMISSION_*). No paths, no admission:
 * a deployment opts in by naming the paths that wait on other services.
 */
record AdmissionSettings(Set<String> paths, int maxConcurrent, int queueSize, long maxWaitMillis,
        long newestFirstAfterMillis, int retryAfterSeconds) {

    static AdmissionSettings from(Config config) {
        Set<String> paths = Set.copyOf(config.getOptionalValues("mlt.admission.paths", String.class)
                .orElse(java.util.List.of()));
        if (paths.isEmpty()) {
            return null;
        }
        return new AdmissionSettings(paths, config.getValue("mlt.admission.max-concurrent", Integer.class),
                config.getValue("mlt.admission.queue-size", Integer.class),
                config.getValue("mlt.admission.max-wait-ms", Long.class),
                config.getValue("mlt.admission.newest-first-after-ms", Long.class),
                config.getValue("mlt.admission.retry-after-seconds", Integer.class));
    }
}
