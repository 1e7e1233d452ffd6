package org.wildfly.mlt.web.metrics;

import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
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
                .setHost(required(config, "otel.exporter.prometheus.host"))
                .setPort(Integer.parseInt(required(config, "otel.exporter.prometheus.port")))
                .setPrometheusRegistry(new TraceExemplarRegistry())
                .build();
    }

    @Override
    public String getName() {
        return "prometheus-trace-exemplars";
    }

    /**
     * No fallback: the server configuration (telemetry.cli) and each WAR name the host and the port. A default here
     * would silently differ from them (OpenTelemetry's own is 0.0.0.0, every interface).
     */
    private static String required(ConfigProperties config, String key) {
        String value = config.getString(key);
        if (value == null || value.isBlank()) {
            throw new ConfigurationException(key + " is not set: the server configuration and the WAR set it");
        }
        return value;
    }
}
