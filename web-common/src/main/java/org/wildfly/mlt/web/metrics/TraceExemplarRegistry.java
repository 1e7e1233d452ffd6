package org.wildfly.mlt.web.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Keeps exemplars to their link to the trace, {@code trace_id} and {@code span_id}. The OpenTelemetry exporter adds
 * every measurement attribute the metric does not keep (url_path, user_agent_original, network_peer_address, ...)
 * to the exemplar: what identifies a caller would be stored with the metrics, and an HTTP latency exemplar would
 * nearly always exceed the OpenMetrics limit of 128 characters of label names and values, which Prometheus enforces
 * by silently discarding the whole exemplar. An exemplar without a trace link keeps no labels.
 *
 * <p>opentelemetry-java 1.63 trims over-long exemplars in the exporter (#8362), but keeps the other attributes of
 * short ones; WildFly 39 ships SDK 1.48, which that exporter cannot run on. Even on 1.63 this class stays for the
 * caller details (README, "What telemetry may contain").
 */
class TraceExemplarRegistry extends PrometheusRegistry {

    private static final String TRACE_ID = "trace_id";
    private static final String SPAN_ID = "span_id";

    @Override
    public MetricSnapshots scrape(PrometheusScrapeRequest request) {
        return withStorableExemplars(super.scrape(request));
    }

    @Override
    public MetricSnapshots scrape(Predicate<String> includedNames, PrometheusScrapeRequest request) {
        return withStorableExemplars(super.scrape(includedNames, request));
    }

    static MetricSnapshots withStorableExemplars(MetricSnapshots snapshots) {
        MetricSnapshots.Builder result = MetricSnapshots.builder();
        for (MetricSnapshot snapshot : snapshots) {
            if (snapshot instanceof HistogramSnapshot histogram) {
                result.metricSnapshot(trim(histogram));
            } else if (snapshot instanceof CounterSnapshot counter) {
                result.metricSnapshot(trim(counter));
            } else {
                result.metricSnapshot(snapshot);
            }
        }
        return result.build();
    }

    private static HistogramSnapshot trim(HistogramSnapshot histogram) {
        List<HistogramDataPointSnapshot> points = new ArrayList<>(histogram.getDataPoints().size());
        for (HistogramDataPointSnapshot point : histogram.getDataPoints()) {
            List<Exemplar> exemplars = new ArrayList<>(point.getExemplars().size());
            point.getExemplars().forEach(exemplar -> exemplars.add(trim(exemplar)));
            points.add(new HistogramDataPointSnapshot(point.getClassicBuckets(), point.getSum(), point.getLabels(),
                    Exemplars.of(exemplars), point.getCreatedTimestampMillis()));
        }
        return new HistogramSnapshot(histogram.isGaugeHistogram(), histogram.getMetadata(), points);
    }

    private static CounterSnapshot trim(CounterSnapshot counter) {
        List<CounterDataPointSnapshot> points = new ArrayList<>(counter.getDataPoints().size());
        for (CounterDataPointSnapshot point : counter.getDataPoints()) {
            points.add(new CounterDataPointSnapshot(point.getValue(), point.getLabels(),
                    point.getExemplar() == null ? null : trim(point.getExemplar()),
                    point.getCreatedTimestampMillis()));
        }
        return new CounterSnapshot(counter.getMetadata(), points);
    }

    static Exemplar trim(Exemplar exemplar) {
        Labels labels = exemplar.getLabels();
        boolean traced = labels.contains(TRACE_ID) && labels.contains(SPAN_ID);
        if (traced ? labels.size() == 2 : labels.isEmpty()) {
            return exemplar;
        }
        Labels traceOnly = traced ? Labels.of(TRACE_ID, labels.get(TRACE_ID), SPAN_ID, labels.get(SPAN_ID)) : Labels.EMPTY;
        return new Exemplar(exemplar.getValue(), traceOnly,
                exemplar.hasTimestamp() ? exemplar.getTimestampMillis() : 0L);
    }
}
