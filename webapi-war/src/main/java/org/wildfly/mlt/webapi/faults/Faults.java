package org.wildfly.mlt.webapi.faults;

/** The faults switched on for /add at one moment: added latency, a share of 500s, or 503 for every request. */
public record Faults(long latencyMs, double errorRatio, boolean unavailable) {

    public static final Faults NONE = new Faults(0, 0, false);

    public boolean any() {
        return latencyMs > 0 || errorRatio > 0 || unavailable;
    }
}
