package org.wildfly.mlt.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST FIXTURE: a stand-in for webapi on another host, which a test can make slow (its /add), or stop and start again on the
 * same port. It answers like webapi: GET / (info) and GET /add (2 + 2).
 */
public final class FakeWebapi implements AutoCloseable {

    private final int port;
    private volatile Duration delay;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger received = new AtomicInteger();
    private volatile Map<String, List<String>> lastAddHeaders = Map.of();
    private HttpServer server;

    public FakeWebapi(int port, Duration delay) {
        this.port = port;
        this.delay = delay;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public FakeWebapi start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/add", exchange -> {
            received.incrementAndGet();
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(exchange.getRequestHeaders());
            lastAddHeaders = headers;
            pause(delay);
            answer(exchange, "{\"a\":2,\"b\":2,\"result\":4}");
        });
        // The info endpoint, which webapp's readiness check asks, answers at once.
        server.createContext("/", exchange -> answer(exchange, "{\"name\":\"webapi\",\"version\":\"fake\"}"));
        server.start();
        return this;
    }

    /** From now on answers after this delay. */
    public void delay(Duration newDelay) {
        this.delay = newDelay;
    }

    /** Calls of /add received so far, answered or not. */
    public int received() {
        return received.get();
    }

    /** The request headers of the last call of /add (names case-insensitive), empty before the first. */
    public Map<String, List<String>> lastAddHeaders() {
        return lastAddHeaders;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        threads.shutdownNow();
    }
}
