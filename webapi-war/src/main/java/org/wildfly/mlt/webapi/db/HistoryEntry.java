package org.wildfly.mlt.webapi.db;

/** One stored addition, as GET /history answers it. */
public record HistoryEntry(long a, long b, long result, String at, String requestId, String traceId) {
}
