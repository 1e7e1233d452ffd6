package org.wildfly.mlt.web.admission;

import io.undertow.server.Connectors;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.wildfly.mlt.web.Problem;

/**
 * Admission at the edge of the paths that wait on another service, in front of the deployment's servlet handling, on
 * the I/O thread: at most {@code maxConcurrent} of their requests run, up to {@code queueSize} more are parked (they
 * hold no request thread while they wait) for at most {@code maxWait}, in the order {@link AdmissionQueue} decides,
 * and the rest are answered 503 problem+json with Retry-After. Requests of other paths pass untouched.
 *
 * <p>Why here and not in the application: a request refused by the application has already taken a request thread,
 * and the callers it waits on (webapi, on the same server) need those threads. Why not Undertow's {@code RequestLimit}
 * (or its {@code request-limit} filter, the same class with an empty 503): its queue is first come first served and
 * bounded by count only, and it hands each queued request to a request thread even when its caller has long given up;
 * in a spike that spent the capacity on stale answers (see {@link AdmissionQueue}). The parking and resuming below
 * follow {@code RequestLimit}'s own: dispatched on the same thread before it is queued, resumed by
 * {@code exchange.dispatch}.
 */
final class Admission {

    private final Set<String> paths;
    /** The same paths with a trailing slash, built once: matching runs for every request of the deployment. */
    private final List<String> subPathPrefixes;
    private final AdmissionQueue<Parked> queue;
    private final HttpHandler rejection;
    private final LongAdder rejected = new LongAdder();
    private final ExchangeCompletionListener releaseOnCompletion = (exchange, nextListener) -> {
        try {
            release();
        } finally {
            nextListener.proceed();
        }
    };

    private record Parked(HttpServerExchange exchange, HttpHandler next) {
    }

    Admission(AdmissionSettings settings) {
        this.paths = settings.paths();
        this.subPathPrefixes = paths.stream().map(path -> path + "/").toList();
        this.queue = new AdmissionQueue<>(settings.maxConcurrent(), settings.queueSize(),
                settings.maxWaitMillis() * 1_000_000L, settings.newestFirstAfterMillis() * 1_000_000L);
        this.rejection = new Rejection(settings.retryAfterSeconds(), rejected);
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
        if (queue.tryStart(arrived, this::refuseExpired)) {
            run(exchange, next);
            return;
        }
        // Dispatched before it is queued, so that no other thread resumes it while this call is still on it.
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            switch (queue.enqueue(new Parked(exchange, next), arrived, System.nanoTime(), this::refuseExpired)) {
                case START -> Connectors.executeRootHandler(started -> run(started, next), exchange);
                case REFUSE -> Connectors.executeRootHandler(rejection, exchange);
                case WAIT -> { }
            }
        });
    }

    private void run(HttpServerExchange exchange, HttpHandler next) throws Exception {
        exchange.addExchangeCompleteListener(releaseOnCompletion);
        next.handleRequest(exchange);
    }

    /** A running request ended: the next one to run is resumed on a request thread, those whose caller left ended. */
    private void release() {
        Parked next;
        while ((next = queue.release(System.nanoTime(), this::refuseExpired)) != null) {
            if (next.exchange().getConnection().isOpen()) {
                Parked resumed = next;
                next.exchange().dispatch(exchange -> run(exchange, resumed.next()));
                return;
            }
            // Its caller gave up while it waited: serving it would only delay those still waiting.
            next.exchange().dispatch(next.exchange().getIoThread(), HttpServerExchange::endExchange);
        }
    }

    /** Waited past max-wait: refused on its own I/O thread, without taking a request thread. */
    private void refuseExpired(Parked parked) {
        parked.exchange().dispatch(parked.exchange().getIoThread(), rejection);
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
        return queue.running();
    }

    int waiting() {
        return queue.waiting();
    }

    long rejected() {
        return rejected.sum();
    }

    int maxConcurrent() {
        return queue.maxConcurrent();
    }

    int queueSize() {
        return queue.queueSize();
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
