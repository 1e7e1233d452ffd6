package org.wildfly.mlt.web.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Keeps what identifies a caller out of the exported spans: the HTTP instrumentation records the caller's user
 * agent and query string on every server span, the Host header it sent as {@code server.address}, and the address
 * a proxy forwarded ({@code X-Forwarded-For}, {@code Forwarded}) as {@code client.address}; the instrumentation
 * (instrumentation-api 2.14 through SmallRye OpenTelemetry 2.11) and the SDK have no switch to leave them out. The
 * attribute keys named by {@value #DROPPED} are removed from every span, those of {@value #DROPPED_ON_SERVER} from
 * server spans only (on a client span the addresses are those of the configured peer, not the caller's). Defaults
 * in web-common's {@code microprofile-config.properties}; an empty value keeps everything.
 *
 * <p>It runs on the export thread, not the request's: a span without such attributes costs a few lookups and no
 * allocation; a span with some is copied once.
 */
public class CallerDetailsFilter implements AutoConfigurationCustomizerProvider {

    static final String DROPPED = "mlt.telemetry.dropped-span-attributes";
    static final String DROPPED_ON_SERVER = "mlt.telemetry.dropped-server-span-attributes";

    @Override
    public void customize(AutoConfigurationCustomizer autoConfiguration) {
        autoConfiguration.addSpanExporterCustomizer((exporter, otel) -> {
            Config config = ConfigProvider.getConfig(CallerDetailsFilter.class.getClassLoader());
            List<String> everywhere = names(config, DROPPED);
            List<String> onServer = new ArrayList<>(everywhere);
            onServer.addAll(names(config, DROPPED_ON_SERVER));
            return onServer.isEmpty() ? exporter : new Filtering(exporter, keys(everywhere), keys(onServer));
        });
    }

    private static List<String> names(Config config, String property) {
        return config.getOptionalValues(property, String.class).orElse(List.of());
    }

    /** The instrumentation records these as strings or, ports, as longs; a key is its name and its type. */
    static Set<AttributeKey<?>> keys(List<String> names) {
        Set<AttributeKey<?>> keys = new HashSet<>();
        for (String name : names) {
            keys.add(AttributeKey.stringKey(name.strip()));
            keys.add(AttributeKey.longKey(name.strip()));
        }
        return Set.copyOf(keys);
    }

    static SpanData withoutCallerDetails(SpanData span, AttributeKey<?>[] dropped, Set<AttributeKey<?>> droppedSet) {
        Attributes attributes = span.getAttributes();
        for (AttributeKey<?> key : dropped) {
            if (attributes.get(key) != null) {
                return new Filtered(span, attributes.toBuilder().removeIf(droppedSet::contains).build());
            }
        }
        return span;
    }

    private static final class Filtering implements SpanExporter {

        private final SpanExporter delegate;
        private final Set<AttributeKey<?>> everywhere;
        private final AttributeKey<?>[] everywhereArray;
        private final Set<AttributeKey<?>> onServer;
        private final AttributeKey<?>[] onServerArray;

        Filtering(SpanExporter delegate, Set<AttributeKey<?>> everywhere, Set<AttributeKey<?>> onServer) {
            this.delegate = delegate;
            this.everywhere = everywhere;
            this.everywhereArray = everywhere.toArray(AttributeKey<?>[]::new);
            this.onServer = onServer;
            this.onServerArray = onServer.toArray(AttributeKey<?>[]::new);
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            List<SpanData> filtered = new ArrayList<>(spans.size());
            for (SpanData span : spans) {
                filtered.add(span.getKind() == SpanKind.SERVER
                        ? withoutCallerDetails(span, onServerArray, onServer)
                        : withoutCallerDetails(span, everywhereArray, everywhere));
            }
            return delegate.export(filtered);
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

    /** The span with fewer attributes; what span limits dropped is still reported as dropped, nothing more. */
    private static final class Filtered extends DelegatingSpanData {

        private final Attributes attributes;
        private final int totalAttributeCount;

        Filtered(SpanData span, Attributes attributes) {
            super(span);
            this.attributes = attributes;
            this.totalAttributeCount = span.getTotalAttributeCount() - span.getAttributes().size() + attributes.size();
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public int getTotalAttributeCount() {
            return totalAttributeCount;
        }
    }
}
