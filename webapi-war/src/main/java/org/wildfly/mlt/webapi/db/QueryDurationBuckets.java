package org.wildfly.mlt.webapi.db;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.View;
import java.util.List;

/**
 * Buckets for db.client.operation.duration fine enough for a local database: the instrumentation's advice starts at
 * 1 ms, where a local PostgreSQL or H2 answers most statements in a tenth of that.
 */
public class QueryDurationBuckets implements AutoConfigurationCustomizerProvider {

    static final List<Double> SECONDS = List.of(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 0.5, 1.0, 2.5, 5.0);

    @Override
    public void customize(AutoConfigurationCustomizer autoConfiguration) {
        autoConfiguration.addMeterProviderCustomizer((meterProvider, config) -> meterProvider.registerView(
                InstrumentSelector.builder().setName("db.client.operation.duration").build(),
                View.builder().setAggregation(Aggregation.explicitBucketHistogram(SECONDS)).build()));
    }
}
