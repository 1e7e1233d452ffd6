package org.wildfly.mlt.webapp;

/** One stored addition, as webapi's GET /history answers it (the fields the page shows). */
public record Calculation(long a, long b, long result, String at) {
}
