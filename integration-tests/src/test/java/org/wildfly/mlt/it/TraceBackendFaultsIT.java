package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
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
    /**
     * A request that waited for an export would take the slow backend's answer time (3 s) or the exporter's timeout
     * (10 s); requests that never wait answer in milliseconds (p99 under 20 ms on a quiet 2-core machine, under
     * 200 ms with the CPU saturated). The bound tells the two apart with room for a loaded machine.
     */
    private static final Duration NOT_WAITING_FOR_EXPORTS = OtlpTestReceiver.SLOW_ANSWER.dividedBy(3);
    /** Bounded queue: heap after a full GC may grow by its worth of spans (2 SDKs x 2048 spans), not more. */
    private static final long HEAP_GROWTH_LIMIT = 24L * 1024 * 1024;
    /**
     * OpenTelemetry's throttled exporter logging: at most 5 lines a minute per exporter, then a "Too many log messages"
     * line and one a minute. Two WARs, two exporters; thousands of requests must not mean more.
     */
    private static final int EXPORTER_LOG_LINES_LIMIT = 16;
    /** Exporter timeout (10 s) plus the BatchSpanProcessor's export timeout (30 s), with room. */
    private static final Duration RECOVERY = Duration.ofSeconds(60);

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

    @ParameterizedTest
    @EnumSource(value = Behaviour.class, names = {"UNREACHABLE", "BLACK_HOLE", "SLOW"})
    void serviceAnswersAsBeforeAndTheLossIsCounted(Behaviour backend) {
        // Refused exports fail at once and are counted as failed; a black hole or a slow backend also fills the
        // queue, and the BatchSpanProcessor counts what it drops.
        String loss = backend == Behaviour.UNREACHABLE ? "otel_sdk_exporter_span_exported_total" : "processedSpans_ratio_total";
        Map<String, String> lossLabels = backend == Behaviour.UNREACHABLE
                ? Map.of("error_type", "export_failed") : Map.of("dropped", "true");
        double lostBefore = webappMetric(loss, lossLabels);
        int logLinesBefore = ServerLog.lines().size();
        receiver.behave(backend);
        try {
            Load.Result faulty = Load.closedLoop(SERVICE, REQUESTS, CONCURRENCY);

            String figures = backend + ": " + faulty + "; healthy: " + healthy;
            System.out.println(figures);
            assertTrue(faulty.onlyOk(), figures);
            assertTrue(faulty.percentileMillis(99) < NOT_WAITING_FOR_EXPORTS.toMillis(),
                    "requests waited for the trace backend: " + figures);
            // The export queue is bounded (otel.bsp.max.queue.size): the heap the server keeps shows it.
            long heap = Management.heapUsedAfterFullGc();
            assertTrue(heap - healthyHeap <= HEAP_GROWTH_LIMIT,
                    "heap after full GC " + heap / 1024 / 1024 + " MB, healthy " + healthyHeap / 1024 / 1024 + " MB");

            Await.until(Duration.ofSeconds(20), () -> webappMetric(loss, lossLabels), lost -> lost > lostBefore,
                    "lost spans counted in " + loss + lossLabels);

            long exporterLines = ServerLog.lines().stream().skip(logLinesBefore)
                    .filter(line -> line.path("loggerName").asText().startsWith("io.opentelemetry")).count();
            assertTrue(exporterLines <= EXPORTER_LOG_LINES_LIMIT, exporterLines + " exporter log lines");
        } finally {
            receiver.behave(Behaviour.HEALTHY);
        }
        assertSpansFlowAgain(backend);
    }

    /**
     * The backend is back: without a restart, a new request's spans reach it again. Until the queue has drained and
     * an export stuck on the failed backend has timed out (otel.bsp.export.timeout, 30 s), new spans may still be
     * dropped, so a new request is sent each second until one arrives.
     */
    private static void assertSpansFlowAgain(Behaviour after) {
        long started = System.nanoTime();
        List<String> sent = new ArrayList<>();
        Await.until(RECOVERY, () -> {
            String id = "after-" + after + "-" + UUID.randomUUID();
            Http.get(SERVICE, "X-Request-ID", id);
            sent.add(id);
            pause(Duration.ofSeconds(1));
            return receiver.spans().stream().anyMatch(span -> "webapp".equals(span.service())
                    && sent.contains(span.attributes().get("request.id")));
        }, arrived -> arrived, "spans of a new request at the backend after " + after);
        System.out.printf("%s: spans flow again %d ms after the backend recovered%n", after,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double webappMetric(String name, Map<String, String> labels) {
        return PrometheusScrape.of(Http.WEBAPP_METRICS, true).value(name, labels);
    }
}
