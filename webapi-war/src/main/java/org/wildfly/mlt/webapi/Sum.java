package org.wildfly.mlt.webapi;

/** The answer of GET /add. */
public record Sum(long a, long b, long result) {
}
