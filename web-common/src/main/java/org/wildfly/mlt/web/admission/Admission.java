package org.wildfly.mlt.web.admission;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.RequestLimit;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.wildfly.mlt.web.Problem;

/**
 * Admission at the edge of the paths that wait on another service: Undertow's {@link RequestLimit} lets at most
 * {@code maxConcurrent} of their requests run, parks up to {@code queueSize} more on the I/O thread (they hold no
 * request thread while they wait) for at most {@code maxWait}, and answers the rest with 503 problem+json and
 * Retry-After. Requests of other paths pass untouched.
 *
 * <p>Why here and not in the application: a request refused by the application has already taken a request thread,
 * and the callers it waits on (webapi, on the same server) need those threads. Undertow's own request-limit filter
 * does the same but answers an empty 503.
 */
final class Admission {

    private final Set<String> paths;
    /** The same paths with a trailing slash, built once: matching runs for every request of the deployment. */
    private final List<String> subPathPrefixes;
    private final RequestLimit limit;
    private final int maxConcurrent;
    private final int queueSize;
    private final long maxWaitNanos;
    private final HttpHandler rejection;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();

    Admission(AdmissionSettings settings) {
        this.paths = settings.paths();
        this.subPathPrefixes = paths.stream().map(path -> path + "/").toList();
        this.maxConcurrent = settings.maxConcurrent();
        this.queueSize = settings.queueSize();
        this.maxWaitNanos = settings.maxWaitMillis() * 1_000_000L;
        this.limit = new RequestLimit(maxConcurrent, queueSize);
        this.rejection = new Rejection(settings.retryAfterSeconds(), rejected);
        this.limit.setFailureHandler(rejection);
    }

    /** The handler in front of {@code next}: the deployment's whole servlet handling. */
    HttpHandler wrap(HttpHandler next) {
        return exchange -> {
            if (limited(exchange.getRelativePath())) {
                admit(exchange, next);
            } else {
                next.handleRequest(exchange);
            }
        };
    }

    private void admit(HttpServerExchange exchange, HttpHandler next) throws Exception {
        long arrived = System.nanoTime();
        admitted.incrementAndGet();
        exchange.addExchangeCompleteListener((done, nextListener) -> {
            admitted.decrementAndGet();
            nextListener.proceed();
        });
        limit.handleRequest(exchange, started -> {
            if (!started.getConnection().isOpen()) {
                // The caller gave up while this request waited: serving it would only delay those still waiting
                // (after a spike, the first new request would queue behind every abandoned one).
                started.endExchange();
                return;
            }
            if (System.nanoTime() - arrived > maxWaitNanos) {
                // Waited longer than a caller should: refused now rather than served late. This bounds the wait
                // by time as well as by count, so that after a spike the queue empties at once instead of serving
                // requests whose callers have long given up.
                rejection.handleRequest(started);
                return;
            }
            running.incrementAndGet();
            started.addExchangeCompleteListener((done, nextListener) -> {
                running.decrementAndGet();
                nextListener.proceed();
            });
            next.handleRequest(started);
        });
    }

    private boolean limited(String path) {
        if (paths.contains(path)) {
            return true;
        }
        for (String prefix : subPathPrefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    int running() {
        return running.get();
    }

    /** Admitted and not yet running: parked in the queue (rejected requests are in neither count for long). */
    int waiting() {
        return Math.max(0, admitted.get() - running.get());
    }

    long rejected() {
        return rejected.sum();
    }

    int maxConcurrent() {
        return maxConcurrent;
    }

    int queueSize() {
        return queueSize;
    }

    /** The answer beyond the queue: written on the I/O thread from a body rendered once, no request input in it. */
    private static final class Rejection implements HttpHandler {

        private final ByteBuffer body;
        private final String retryAfter;
        private final LongAdder rejected;

        Rejection(int retryAfterSeconds, LongAdder rejected) {
            this.retryAfter = String.valueOf(retryAfterSeconds);
            this.rejected = rejected;
            String json = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                    + "\"detail\":\"The service is at capacity. Retry after " + retryAfterSeconds + " s.\"}";
            this.body = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
        }

        @Override
        public void handleRequest(HttpServerExchange exchange) {
            rejected.increment();
            exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, Problem.MEDIA_TYPE);
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, retryAfter);
            exchange.getResponseSender().send(body.duplicate());
        }
    }
}
