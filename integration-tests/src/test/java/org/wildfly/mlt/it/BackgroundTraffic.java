package org.wildfly.mlt.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Requests started at a fixed rate until closed, whatever the answers take: a slow or failing server does not slow
 * the traffic down, so the share of slow or failed requests in a window is the share of time the fault was on.
 */
public final class BackgroundTraffic implements AutoCloseable {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "background-traffic");
        thread.setDaemon(true);
        return thread;
    });
    /** Answers per status; -1 counts requests without an answer. */
    private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

    private BackgroundTraffic(String url, Duration every) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
        timer.scheduleAtFixedRate(() -> {
            CompletableFuture<HttpResponse<Void>> call = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
            inFlight.add(call);
            call.whenComplete((response, failure) -> {
                statuses.merge(failure == null ? response.statusCode() : -1, 1, Integer::sum);
                inFlight.remove(call);
            });
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static BackgroundTraffic start(String url, Duration every) {
        return new BackgroundTraffic(url, every);
    }

    public Map<Integer, Integer> statuses() {
        return Map.copyOf(statuses);
    }

    /** Stops sending and waits for the answers still outstanding, so that none lands in the next test's counts. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).exceptionally(failure -> null)
                    .get(40, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("background requests still outstanding: " + inFlight.size(), e);
        }
    }
}
