package org.wildfly.mlt.webapi.db;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The stats cache, in Micrometer's cache vocabulary: {@code cache_gets_total{cache,result="hit|miss"}},
 * {@code cache_evictions_total{cache}}, {@code cache_size{cache}}. The hit ratio is hits over gets.
 */
@ApplicationScoped
public class CacheMetrics {

    private static final AttributeKey<String> CACHE = AttributeKey.stringKey("cache");
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
    private static final String NAME = "stats";
    private static final Attributes STATS = Attributes.of(CACHE, NAME);
    private static final Attributes HIT = Attributes.of(CACHE, NAME, RESULT, "hit");
    private static final Attributes MISS = Attributes.of(CACHE, NAME, RESULT, "miss");

    @Inject
    Meter meter;

    @Inject
    StatsCache cache;

    private LongCounter gets;
    private LongCounter evictions;
    private ObservableLongGauge size;

    @PostConstruct
    void createInstruments() {
        gets = meter.counterBuilder("cache.gets").setDescription("Cache lookups by result").setUnit("{get}").build();
        evictions = meter.counterBuilder("cache.evictions").setDescription("Cache entries evicted (expired)")
                .setUnit("{entry}").build();
        size = meter.gaugeBuilder("cache.size").setDescription("Entries in the cache").setUnit("{entry}").ofLongs()
                .buildWithCallback(measurement -> measurement.record(cache.size(), STATS));
        // Both results from the first scrape on, so that the hit ratio has a denominator before the first get.
        gets.add(0, HIT);
        gets.add(0, MISS);
        evictions.add(0, STATS);
    }

    /** Created with the deployment, so that the series exist before the first /stats. */
    void createdAtStart(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // @PostConstruct has run.
    }

    void hit() {
        gets.add(1, HIT);
    }

    void miss() {
        gets.add(1, MISS);
    }

    void evicted() {
        evictions.add(1, STATS);
    }

    @PreDestroy
    void close() {
        size.close();
    }
}
