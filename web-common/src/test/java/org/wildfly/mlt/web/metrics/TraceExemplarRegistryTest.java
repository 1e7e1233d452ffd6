package org.wildfly.mlt.web.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;

class TraceExemplarRegistryTest {

    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN = "b7ad6b7169203331";

    @Test
    void traceLinkAloneIsKeptAsItIs() {
        Exemplar exemplar = new Exemplar(0.1, Labels.of("trace_id", TRACE, "span_id", SPAN), 1L);
        assertSame(exemplar, TraceExemplarRegistry.trim(exemplar));
    }

    @Test
    void shortExemplarLosesTheCallersDetailsToo() {
        Exemplar exemplar = new Exemplar(0.1, Labels.of("trace_id", TRACE, "span_id", SPAN,
                "network_peer_address", "203.0.113.7"), 1L);
        assertEquals(Labels.of("trace_id", TRACE, "span_id", SPAN), TraceExemplarRegistry.trim(exemplar).getLabels());
    }

    @Test
    void overLongExemplarKeepsOnlyTheTraceLink() {
        Exemplar exemplar = new Exemplar(0.25, Labels.of("trace_id", TRACE, "span_id", SPAN,
                "url_path", "/webapp/service", "user_agent_original", "Mozilla/5.0 (X11; Linux x86_64) Chrome/156",
                "network_peer_address", "127.0.0.1"), 1_700_000_000_000L);

        Exemplar trimmed = TraceExemplarRegistry.trim(exemplar);

        assertEquals(Labels.of("trace_id", TRACE, "span_id", SPAN), trimmed.getLabels());
        assertEquals(0.25, trimmed.getValue());
        assertEquals(1_700_000_000_000L, trimmed.getTimestampMillis());
    }

    @Test
    void exemplarWithoutTraceLosesItsLabels() {
        Exemplar exemplar = new Exemplar(1, Labels.of("user_agent_original", "curl/8.5"), 1L);
        assertEquals(Labels.EMPTY, TraceExemplarRegistry.trim(exemplar).getLabels());
    }
}
