package org.wildfly.mlt.web.metrics;

import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.ConfigurableMetricReaderProvider;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * {@code otel.metrics.exporter=prometheus-trace-exemplars}: OpenTelemetry's own Prometheus pull exporter, configured
 * with the same {@code otel.exporter.prometheus.*} keys, whose exemplars Prometheus can store (see
 * {@link TraceExemplarRegistry}).
 */
public class TraceExemplarPrometheusReaderProvider implements ConfigurableMetricReaderProvider {

    @Override
    public MetricReader createMetricReader(ConfigProperties config) {
        return PrometheusHttpServer.builder()
                .setHost(config.getString("otel.exporter.prometheus.host", "0.0.0.0"))
                .setPort(config.getInt("otel.exporter.prometheus.port", 9464))
                .setPrometheusRegistry(new TraceExemplarRegistry())
                .build();
    }

    @Override
    public String getName() {
        return "prometheus-trace-exemplars";
    }
}
