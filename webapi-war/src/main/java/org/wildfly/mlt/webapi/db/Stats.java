package org.wildfly.mlt.webapi.db;

import java.util.List;

/** The answer of GET /stats: how many additions, the most frequent results, and when this was computed. */
public record Stats(long total, List<ResultCount> mostFrequentResults, String computedAt) {

    public record ResultCount(long result, long times) {
    }
}
