package org.wildfly.mlt.web.telemetry;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the spans whose export finished, and how many of those failed. The BatchSpanProcessor's own metrics
 * (processedSpans, queueSize) only see spans it drops because its queue is full; when the trace backend refuses
 * connections, exports fail fast, the queue never fills, and spans were lost without a metric saying so. The OTLP
 * exporter of this SDK version could count them, but WildFly builds it with a no-op meter provider.
 * {@link SpanExportMetrics} publishes the counts; each WAR has its own copy of this class, so its own counts.
 */
public class SpanExportOutcomes implements AutoConfigurationCustomizerProvider {

    static final AtomicLong EXPORTED = new AtomicLong();
    static final AtomicLong FAILED = new AtomicLong();

    @Override
    public void customize(AutoConfigurationCustomizer autoConfiguration) {
        autoConfiguration.addSpanExporterCustomizer((exporter, config) -> new Counting(exporter));
    }

    private record Counting(SpanExporter delegate) implements SpanExporter {

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            CompletableResultCode result = delegate.export(spans);
            int count = spans.size();
            result.whenComplete(() -> (result.isSuccess() ? EXPORTED : FAILED).addAndGet(count));
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
