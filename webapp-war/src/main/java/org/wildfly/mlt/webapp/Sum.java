package org.wildfly.mlt.webapp;

/** A sum as webapi computes it, and as /service answers it in JSON. */
public record Sum(long a, long b, long result) {
}
