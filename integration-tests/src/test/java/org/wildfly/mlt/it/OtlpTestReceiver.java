package org.wildfly.mlt.it;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * TEST FIXTURE, not product: an OTLP/HTTP endpoint that decodes the real protobuf export requests the server sends
 * and keeps the spans, so tests can assert on them. It stands in for Jaeger, which cannot run on the test machine.
 * It can also play a failing backend ({@link Behaviour}) on the same port, for the trace-backend fault tests, or
 * listen with mutual TLS ({@link #mutualTls}), as the trace backend on the VMs does.
 */
public final class OtlpTestReceiver {

    /** A received span, with ids as lowercase hex like in logs and exemplars, and its resource's attributes. */
    public record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
                               Span.SpanKind kind, Map<String, String> attributes, Map<String, String> resource,
                               Status.StatusCode status) {
    }

    /** How the receiver plays the trace backend. */
    public enum Behaviour {
        /** Answers at once and keeps the spans. */
        HEALTHY,
        /** Nothing listens on the port: connections are refused. */
        UNREACHABLE,
        /** Accepts connections and reads requests, never answers. */
        BLACK_HOLE,
        /** Answers after {@link #SLOW_ANSWER}. */
        SLOW
    }

    public static final Duration SLOW_ANSWER = Duration.ofSeconds(3);

    private static OtlpTestReceiver instance;

    private final int port;
    /** With mutual TLS: the server's identity and the CAs whose client certificates it accepts; null for plain HTTP. */
    private final SSLContext tls;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    /** With mutual TLS: the subject of the client certificate of each export request. */
    private final List<String> clientSubjects = new CopyOnWriteArrayList<>();
    /** Requests of a black-holed or slow backend wait on threads of their own, not on the dispatcher. */
    private final ExecutorService handlers = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "otlp-test-receiver");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Behaviour behaviour = Behaviour.HEALTHY;
    private HttpServer server;

    private OtlpTestReceiver(int port, SSLContext tls) {
        this.port = port;
        this.tls = tls;
        listen();
    }

    /** A receiver of its own on another port that speaks only TLS and requires a client certificate; stop it after use. */
    public static OtlpTestReceiver mutualTls(int port, SSLContext tls) {
        return new OtlpTestReceiver(port, tls);
    }

    private void listen() {
        try {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            if (tls == null) {
                server = HttpServer.create(address, 0);
            } else {
                HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        SSLParameters ssl = tls.getDefaultSSLParameters();
                        ssl.setNeedClientAuth(true);
                        parameters.setSSLParameters(ssl);
                    }
                });
                server = https;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/traces", this::receiveTraces);
        // Metrics and logs are not exported over OTLP by this configuration; answer politely if they ever are.
        server.createContext("/", exchange -> respond(exchange, new byte[0]));
        server.setExecutor(handlers);
        server.start();
    }

    /** Switches to another behaviour; requests held by a black hole are then dropped unanswered. */
    public synchronized void behave(Behaviour next) {
        if (next == Behaviour.UNREACHABLE && server != null) {
            server.stop(0);
            server = null;
        } else if (next != Behaviour.UNREACHABLE && server == null) {
            listen();
        }
        behaviour = next;
        notifyAll();
    }

    /** The one receiver of this test JVM, on the port the server under test was configured with. */
    public static synchronized OtlpTestReceiver get() {
        if (instance == null) {
            instance = new OtlpTestReceiver(Integer.getInteger("otlp.receiver.port", 14318), null);
        }
        return instance;
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** With mutual TLS: the client certificate subjects of the export requests received so far. */
    public List<String> clientSubjects() {
        return List.copyOf(clientSubjects);
    }

    /** The server span of the request with this X-Request-ID from this service, waiting until it has arrived. */
    public ReceivedSpan awaitServerSpan(String service, String requestId, Duration timeout) {
        return Await.until(timeout, () -> spans.stream()
                        .filter(s -> service.equals(s.service()) && s.kind() == Span.SpanKind.SPAN_KIND_SERVER
                                && requestId.equals(s.attributes().get("request.id")))
                        .findFirst().orElse(null),
                span -> span != null, "the " + service + " server span of request " + requestId);
    }

    /** The spans of this trace, waiting until at least this many have arrived. */
    public List<ReceivedSpan> awaitTrace(String traceId, int atLeast, Duration timeout) {
        return Await.until(timeout, () -> spans.stream().filter(s -> s.traceId().equals(traceId)).toList(),
                found -> found.size() >= atLeast, atLeast + " spans in trace " + traceId);
    }

    /**
     * The spans of a /webapp/service trace, waiting until webapp's server, manual and HTTP client spans and webapi's
     * server span have all arrived. Not a count: webapi's database spans come first, in any number.
     */
    public List<ReceivedSpan> awaitServiceTrace(String traceId, Duration timeout) {
        return Await.until(timeout, () -> spans.stream().filter(s -> s.traceId().equals(traceId)).toList(),
                OtlpTestReceiver::isCompleteServiceTrace, "webapp's three spans and webapi's server span in trace " + traceId);
    }

    private static boolean isCompleteServiceTrace(List<ReceivedSpan> trace) {
        return has(trace, "webapp", Span.SpanKind.SPAN_KIND_SERVER) && has(trace, "webapp", Span.SpanKind.SPAN_KIND_INTERNAL)
                && trace.stream().anyMatch(s -> "webapp".equals(s.service()) && s.kind() == Span.SpanKind.SPAN_KIND_CLIENT
                        && s.attributes().containsKey("http.request.method"))
                && has(trace, "webapi", Span.SpanKind.SPAN_KIND_SERVER);
    }

    private static boolean has(List<ReceivedSpan> trace, String service, Span.SpanKind kind) {
        return trace.stream().anyMatch(s -> service.equals(s.service()) && s.kind() == kind);
    }

    /** Stops a receiver made by {@link #mutualTls}. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        handlers.shutdownNow();
    }

    private void receiveTraces(HttpExchange exchange) throws IOException {
        if (behaviour == Behaviour.BLACK_HOLE) {
            holdWhileBlackHole();
            exchange.close();
            return;
        }
        if (behaviour == Behaviour.SLOW) {
            pause(SLOW_ANSWER);
        }
        if (exchange instanceof HttpsExchange https) {
            try {
                clientSubjects.add(https.getSSLSession().getPeerPrincipal().getName());
            } catch (SSLPeerUnverifiedException e) {
                clientSubjects.add("none");
            }
        }
        try (InputStream body = decoded(exchange)) {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
            for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
                Map<String, String> resource = toMap(resourceSpans.getResource().getAttributesList());
                String service = resource.get("service.name");
                for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                    for (Span span : scopeSpans.getSpansList()) {
                        spans.add(new ReceivedSpan(service, hex(span.getTraceId()), hex(span.getSpanId()),
                                hex(span.getParentSpanId()), span.getName(), span.getKind(),
                                toMap(span.getAttributesList()), resource, span.getStatus().getCode()));
                    }
                }
            }
        }
        respond(exchange, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
    }

    private synchronized void holdWhileBlackHole() {
        while (behaviour == Behaviour.BLACK_HOLE) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static InputStream decoded(HttpExchange exchange) throws IOException {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        InputStream body = exchange.getRequestBody();
        return "gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(body) : body;
    }

    private static void respond(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private static Map<String, String> toMap(List<KeyValue> attributes) {
        Map<String, String> map = new HashMap<>();
        for (KeyValue attribute : attributes) {
            map.put(attribute.getKey(), asString(attribute.getValue()));
        }
        return map;
    }

    private static String asString(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            default -> value.toString();
        };
    }

    private static String hex(ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }
}
