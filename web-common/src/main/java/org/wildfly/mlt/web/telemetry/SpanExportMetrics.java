package org.wildfly.mlt.web.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;

/**
 * Publishes {@link SpanExportOutcomes} under the OpenTelemetry semantic-convention name for SDK self-monitoring,
 * {@code otel.sdk.exporter.span.exported} ({@code otel_sdk_exporter_span_exported_total} in Prometheus), with
 * {@code error.type} set on the spans whose export failed.
 */
@ApplicationScoped
public class SpanExportMetrics {

    private static final Attributes FAILED = Attributes.of(AttributeKey.stringKey("error.type"), "export_failed");

    void register(@Observes Startup startup, Meter meter) {
        meter.counterBuilder("otel.sdk.exporter.span.exported")
                .setDescription("Spans whose export to the trace backend finished, failed ones with error.type")
                .setUnit("{span}")
                .buildWithCallback(measurement -> {
                    measurement.record(SpanExportOutcomes.EXPORTED.get());
                    measurement.record(SpanExportOutcomes.FAILED.get(), FAILED);
                });
    }
}
