package org.wildfly.mlt.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutionException;

/** Drives requests at the server under test and keeps each answer's status and latency. */
public final class Load {

    /**
     * What a load run saw: latencies in nanoseconds (sorted), the number of answers per status (-1: no answer) and
     * the first answer of each status, whole.
     */
    public record Result(List<Long> latencies, Map<Integer, Integer> statuses, Map<Integer, HttpResponse<String>> firstOfEach) {

        public double percentileMillis(double percentile) {
            int index = (int) Math.ceil(percentile / 100 * latencies.size()) - 1;
            return latencies.get(Math.max(0, index)) / 1e6;
        }

        public int count() {
            return latencies.size();
        }

        public boolean onlyOk() {
            return statuses.keySet().stream().allMatch(status -> status == 200);
        }

        @Override
        public String toString() {
            return String.format("%d requests, p50 %.1f ms, p99 %.1f ms, statuses %s",
                    count(), percentileMillis(50), percentileMillis(99), statuses);
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Load() {
    }

    /** {@code requests} requests from {@code concurrency} callers, each sending its next one as soon as it has an answer. */
    public static Result closedLoop(String url, int requests, int concurrency) {
        return closedLoop(url, requests, concurrency, TIMEOUT);
    }

    /** The same, with a per-request timeout of its own (a caller queued behind hundreds of others waits longer). */
    public static Result closedLoop(String url, int requests, int concurrency, Duration timeout) {
        HttpRequest request = request(url).timeout(timeout).build();
        AtomicInteger remaining = new AtomicInteger(requests);
        return run(concurrency, () -> remaining.getAndDecrement() > 0 ? new Planned(System.nanoTime(), request) : null);
    }

    /** The same, one request per id, each with the id as its X-Request-ID. */
    public static Result closedLoop(String url, List<String> requestIds, int concurrency) {
        AtomicInteger next = new AtomicInteger();
        return run(concurrency, () -> {
            int index = next.getAndIncrement();
            return index < requestIds.size()
                    ? new Planned(System.nanoTime(), request(url).header("X-Request-ID", requestIds.get(index)).build())
                    : null;
        });
    }

    /** Requests started at a fixed rate for the duration, whatever the answers take (up to 64 outstanding). */
    public static Result fixedRate(String url, int perSecond, Duration duration) {
        HttpRequest request = request(url).build();
        long start = System.nanoTime();
        long total = perSecond * duration.toSeconds();
        AtomicInteger sent = new AtomicInteger();
        return run(64, () -> {
            int index = sent.getAndIncrement();
            return index < total ? new Planned(start + index * 1_000_000_000L / perSecond, request) : null;
        });
    }

    /** A request and when to send it, in System.nanoTime() terms. */
    private record Planned(long at, HttpRequest request) {
    }

    /** The next request of the run; null when the run is over. */
    private interface Schedule {
        Planned next();
    }

    private static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
    }

    private static Result run(int callers, Schedule schedule) {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        Map<Integer, HttpResponse<String>> firstOfEach = new ConcurrentHashMap<>();
        List<Future<List<long[]>>> workers = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            workers.add(pool.submit(() -> {
                List<long[]> answers = new ArrayList<>();
                for (Planned planned = schedule.next(); planned != null; planned = schedule.next()) {
                    waitUntil(planned.at());
                    long started = System.nanoTime();
                    HttpResponse<String> response = send(planned.request());
                    int status = response == null ? -1 : response.statusCode();
                    answers.add(new long[] {status, System.nanoTime() - started});
                    if (response != null) {
                        firstOfEach.putIfAbsent(status, response);
                    }
                }
                return answers;
            }));
        }
        List<Long> latencies = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        try {
            for (Future<List<long[]>> worker : workers) {
                for (long[] answer : worker.get()) {
                    statuses.merge((int) answer[0], 1, Integer::sum);
                    latencies.add(answer[1]);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        Collections.sort(latencies);
        return new Result(latencies, statuses, firstOfEach);
    }

    /** The answer, or null when none came. */
    private static HttpResponse<String> send(HttpRequest request) throws InterruptedException {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    private static void waitUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
