package org.wildfly.mlt.web.admission;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/**
 * The admission's state as metrics: mlt_admission_requests{state="running"|"waiting"} against
 * mlt_admission_limit{state=...}, and mlt_admission_rejected_total (load shed at the edge).
 */
@ApplicationScoped
public class AdmissionMetrics {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final Attributes RUNNING = Attributes.of(STATE, "running");
    private static final Attributes WAITING = Attributes.of(STATE, "waiting");

    @Inject
    Meter meter;

    @Inject
    Config config;

    void register(@Observes Startup startup) {
        if (AdmissionSettings.from(config) == null) {
            return;
        }
        Admission admission = AdmissionControl.current();
        meter.gaugeBuilder("mlt.admission.requests").ofLongs().setUnit("{request}")
                .setDescription("Requests of the limited paths running, and waiting for a place, at the edge")
                .buildWithCallback(gauge -> {
                    gauge.record(admission.running(), RUNNING);
                    gauge.record(admission.waiting(), WAITING);
                });
        meter.gaugeBuilder("mlt.admission.limit").ofLongs().setUnit("{request}")
                .setDescription("How many requests of the limited paths may run, and wait, at once")
                .buildWithCallback(gauge -> {
                    gauge.record(admission.maxConcurrent(), RUNNING);
                    gauge.record(admission.queueSize(), WAITING);
                });
        meter.counterBuilder("mlt.admission.rejected").setUnit("{request}")
                .setDescription("Requests of the limited paths answered 503: the queue was full, or they waited past max-wait")
                .buildWithCallback(counter -> counter.record(admission.rejected()));
    }
}
