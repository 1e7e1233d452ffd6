package org.wildfly.mlt.webapi.db;

import java.util.List;

/** The answer of GET /history: the newest additions first. */
public record History(List<HistoryEntry> additions) {
}
