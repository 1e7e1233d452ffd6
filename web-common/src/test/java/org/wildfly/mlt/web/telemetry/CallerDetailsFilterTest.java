package org.wildfly.mlt.web.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CallerDetailsFilterTest {

    private static final Set<AttributeKey<?>> DROPPED =
            CallerDetailsFilter.keys(List.of("user_agent.original", " client.address", "server.port"));
    private static final AttributeKey<?>[] DROPPED_ARRAY = DROPPED.toArray(AttributeKey<?>[]::new);

    @Test
    void namedKeysOfEitherTypeAreDroppedAndTheRestStays() {
        SpanData span = span(s -> s.setAttribute("user_agent.original", "curl/8.5")
                .setAttribute("client.address", "203.0.113.7")
                .setAttribute("server.port", 8080L)
                .setAttribute("http.route", "/webapp/service")
                .setAttribute("http.response.status_code", 200L));

        SpanData filtered = CallerDetailsFilter.withoutCallerDetails(span, DROPPED_ARRAY, DROPPED);

        assertNull(filtered.getAttributes().get(AttributeKey.stringKey("user_agent.original")));
        assertNull(filtered.getAttributes().get(AttributeKey.stringKey("client.address")));
        assertNull(filtered.getAttributes().get(AttributeKey.longKey("server.port")));
        assertEquals("/webapp/service", filtered.getAttributes().get(AttributeKey.stringKey("http.route")));
        assertEquals(200L, filtered.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertEquals(2, filtered.getTotalAttributeCount(), "dropped here is not reported as dropped by limits");
        assertEquals(span.getSpanContext(), filtered.getSpanContext());
    }

    @Test
    void aSpanWithoutSuchAttributesIsPassedOnAsItIs() {
        SpanData span = span(s -> s.setAttribute("http.route", "/webapi/add"));
        assertSame(span, CallerDetailsFilter.withoutCallerDetails(span, DROPPED_ARRAY, DROPPED));
    }

    private interface Recording {
        void on(Span span);
    }

    private static SpanData span(Recording recording) {
        List<SpanData> exported = new ArrayList<>();
        SpanExporter capture = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                exported.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(capture)).build()) {
            Span span = provider.get("test").spanBuilder("GET /x").setSpanKind(SpanKind.SERVER).startSpan();
            recording.on(span);
            span.end();
        }
        assertEquals(1, exported.size());
        return exported.get(0);
    }
}
