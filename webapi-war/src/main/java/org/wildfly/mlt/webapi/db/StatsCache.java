package org.wildfly.mlt.webapi.db;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * GET /stats aggregates the whole table, which grows with every /add: its answer is kept for
 * {@code webapi.stats.ttl-ms} (2 s). One caller recomputes an expired answer while the others wait for it, so a burst
 * of /stats costs one query. (Additions themselves are never cached: computing 2 + 2 is cheaper than looking it up.)
 */
@ApplicationScoped
public class StatsCache {

    static final int MOST_FREQUENT = 5;

    private record Entry(Stats stats, long expiresAtNanos) {
        boolean fresh() {
            return System.nanoTime() - expiresAtNanos < 0;
        }
    }

    @Inject
    AdditionHistory history;

    @Inject
    CacheMetrics metrics;

    @Inject
    @ConfigProperty(name = "webapi.stats.ttl-ms", defaultValue = "2000")
    long ttlMs;

    private volatile Entry entry;

    public Stats get() {
        Entry current = entry;
        if (current != null && current.fresh()) {
            metrics.hit();
            return current.stats();
        }
        synchronized (this) {
            current = entry;
            if (current != null && current.fresh()) {
                metrics.hit();
                return current.stats();
            }
            metrics.miss();
            if (current != null) {
                entry = null;
                metrics.evicted();
            }
            Stats stats = history.stats(MOST_FREQUENT);
            entry = new Entry(stats, System.nanoTime() + ttlMs * 1_000_000);
            return stats;
        }
    }

    /** Entries held: 0 or 1 (an expired one counts until the next get evicts it). */
    int size() {
        return entry == null ? 0 : 1;
    }
}
