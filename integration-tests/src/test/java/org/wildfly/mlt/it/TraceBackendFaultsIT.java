package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.wildfly.mlt.it.OtlpTestReceiver.Behaviour;

/**
 * The trace backend failing while /service is under load: nothing listening, a black hole, a slow backend. Spans
 * leave through the BatchSpanProcessor's bounded queue on a thread of their own, so requests must not notice; the
 * loss must show in metrics, and the log must not flood.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TraceBackendFaultsIT {

    private static final String SERVICE = Http.APP + "/webapp/service";
    private static final int REQUESTS = 3000;
    private static final int CONCURRENCY = 4;
    /** The BatchSpanProcessor's default otel.bsp.max.queue.size. */
    private static final int MAX_QUEUED_SPANS = 2048;
    /** Bounded queue: heap after a full GC may grow by its worth of spans (2 SDKs x 2048 spans), not more. */
    private static final long HEAP_GROWTH_LIMIT = 24L * 1024 * 1024;
    /**
     * OpenTelemetry's throttled exporter logging: at most 5 lines a minute per exporter, then a "Too many log messages"
     * line and one a minute. Two WARs, two exporters; thousands of requests must not mean more.
     */
    private static final int EXPORTER_LOG_LINES_LIMIT = 16;

    private static OtlpTestReceiver receiver;
    private static Load.Result healthy;
    private static long healthyHeap;

    @BeforeAll
    static void measureWithHealthyBackend() {
        receiver = OtlpTestReceiver.get();
        Load.closedLoop(SERVICE, 1000, CONCURRENCY); // warm-up: JIT, connection pools
        healthy = Load.closedLoop(SERVICE, REQUESTS, CONCURRENCY);
        assertTrue(healthy.onlyOk(), "healthy: " + healthy);
        healthyHeap = Management.heapUsedAfterFullGc();
    }

    @AfterAll
    static void healthyAgain() {
        receiver.behave(Behaviour.HEALTHY);
    }

    @ParameterizedTest
    @EnumSource(value = Behaviour.class, names = {"UNREACHABLE", "BLACK_HOLE", "SLOW"})
    void serviceAnswersAsBeforeAndTheLossIsCounted(Behaviour backend) {
        int logLinesBefore = ServerLog.lines().size();
        double failedBefore = webappMetric("otel_sdk_exporter_span_exported_total", Map.of("error_type", "export_failed"));
        double droppedBefore = webappMetric("processedSpans_ratio_total", Map.of("dropped", "true"));
        receiver.behave(backend);
        try {
            Load.Result faulty = Load.closedLoop(SERVICE, REQUESTS, CONCURRENCY);

            String figures = backend + ": " + faulty + "; healthy: " + healthy;
            System.out.println(figures);
            assertTrue(faulty.onlyOk(), figures);
            assertTrue(faulty.percentileMillis(99) <= 1.2 * healthy.percentileMillis(99), "p99 within 1.2x: " + figures);

            double queued = webappMetric("queueSize_ratio", Map.of("processorType", "BatchSpanProcessor"));
            assertTrue(queued <= MAX_QUEUED_SPANS, "export queue bounded: " + queued);
            long heap = Management.heapUsedAfterFullGc();
            assertTrue(heap - healthyHeap <= HEAP_GROWTH_LIMIT,
                    "heap after full GC " + heap / 1024 / 1024 + " MB, healthy " + healthyHeap / 1024 / 1024 + " MB");

            // Refused exports fail at once and are counted as failed; a black hole or a slow backend also fills the
            // queue, and the BatchSpanProcessor counts what it drops.
            String loss = backend == Behaviour.UNREACHABLE ? "otel_sdk_exporter_span_exported_total" : "processedSpans_ratio_total";
            Map<String, String> lossLabels = backend == Behaviour.UNREACHABLE
                    ? Map.of("error_type", "export_failed") : Map.of("dropped", "true");
            double before = backend == Behaviour.UNREACHABLE ? failedBefore : droppedBefore;
            Await.until(Duration.ofSeconds(20), () -> webappMetric(loss, lossLabels), lost -> lost > before,
                    "lost spans counted in " + loss + lossLabels);

            long exporterLines = ServerLog.lines().stream().skip(logLinesBefore)
                    .filter(line -> line.path("loggerName").asText().startsWith("io.opentelemetry")).count();
            assertTrue(exporterLines <= EXPORTER_LOG_LINES_LIMIT, exporterLines + " exporter log lines");
        } finally {
            receiver.behave(Behaviour.HEALTHY);
        }
    }

    private static double webappMetric(String name, Map<String, String> labels) {
        return PrometheusScrape.of(Http.WEBAPP_METRICS, true).value(name, labels);
    }
}
