package org.wildfly.mlt.web.admission;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Who runs next among the requests of the limited paths: the policy alone, no I/O, guarded by its own monitor.
 *
 * <p>At most {@code maxConcurrent} run; up to {@code queueSize} more wait, each for at most {@code maxWait}. While
 * the queue is short (its oldest request has waited no longer than {@code newestFirstAfter}) the oldest runs next,
 * first come first served. Once it is longer the newest runs next ("adaptive LIFO", B. Maurer, "Fail at Scale", ACM
 * Queue 13(8), 2015): in a spike a first-come queue makes every caller wait the whole queue, long enough for most of
 * them to give up or be refused, so the server spends its capacity on answers nobody waits for any more; newest first
 * serves fresh callers at once, while the oldest are refused when their wait runs out. After a spike the first new
 * request runs at once instead of waiting behind every request whose caller has gone.
 */
final class AdmissionQueue<T> {

    enum Outcome { START, WAIT, REFUSE }

    private record Waiting<T>(T request, long arrivedNanos) {
    }

    private final int maxConcurrent;
    private final int queueSize;
    private final long maxWaitNanos;
    private final long newestFirstAfterNanos;
    /** Oldest first. */
    private final ArrayDeque<Waiting<T>> waiting = new ArrayDeque<>();
    private int running;

    AdmissionQueue(int maxConcurrent, int queueSize, long maxWaitNanos, long newestFirstAfterNanos) {
        if (maxConcurrent < 1 || queueSize < 0 || maxWaitNanos < 0 || newestFirstAfterNanos < 0) {
            throw new IllegalArgumentException("max-concurrent must be at least 1, the others not negative");
        }
        this.maxConcurrent = maxConcurrent;
        this.queueSize = queueSize;
        this.maxWaitNanos = maxWaitNanos;
        this.newestFirstAfterNanos = newestFirstAfterNanos;
    }

    /** A request arrives: it takes a place if one is free and nobody waits for one; it is then running. */
    synchronized boolean tryStart(long now, Consumer<T> expired) {
        expire(now, expired);
        if (running < maxConcurrent && waiting.isEmpty()) {
            running++;
            return true;
        }
        return false;
    }

    /** A request that did not start at once: it starts after all (a place came free), waits, or is refused. */
    synchronized Outcome enqueue(T request, long arrivedNanos, long now, Consumer<T> expired) {
        expire(now, expired);
        if (running < maxConcurrent && waiting.isEmpty()) {
            running++;
            return Outcome.START;
        }
        if (waiting.size() >= queueSize) {
            return Outcome.REFUSE;
        }
        waiting.addLast(new Waiting<>(request, arrivedNanos));
        return Outcome.WAIT;
    }

    /**
     * A running request ended: its place goes to the waiting request that runs next (returned, now running), or is
     * freed (null). Requests that have waited past max-wait go to {@code expired}, not to the place.
     */
    synchronized T release(long now, Consumer<T> expired) {
        expire(now, expired);
        Waiting<T> next = waiting.isEmpty() ? null
                : now - waiting.peekFirst().arrivedNanos() > newestFirstAfterNanos ? waiting.pollLast() : waiting.pollFirst();
        if (next == null) {
            running--;
            return null;
        }
        return next.request();
    }

    synchronized int running() {
        return running;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    int maxConcurrent() {
        return maxConcurrent;
    }

    int queueSize() {
        return queueSize;
    }

    private void expire(long now, Consumer<T> expired) {
        while (!waiting.isEmpty() && now - waiting.peekFirst().arrivedNanos() > maxWaitNanos) {
            expired.accept(waiting.pollFirst().request());
        }
    }
}
