package org.wildfly.mlt.webapi.faults;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * The faults of /add an operator has switched on, read at request time from system properties. Those are written
 * only through the management interface ({@code /system-property=mlt.fault.add.latency-ms:add(value=300)}, removed to
 * switch off), so management authentication and audit guard them and nothing a client of the public port sends can
 * set one. Read on every request, and not through MicroProfile Config, which may cache a value: a switch takes effect
 * with the next request, without a redeploy. Off by default: no property, no fault.
 */
public final class FaultSwitches {

    public static final String PREFIX = "mlt.fault.add.";
    /** Milliseconds added before /add answers, 0 to {@link #MAX_LATENCY_MS}. */
    public static final String LATENCY_MS = PREFIX + "latency-ms";
    /** Share of /add requests answered 500, 0 to 1. */
    public static final String ERROR_RATIO = PREFIX + "error-ratio";
    /** "true": every /add request is answered 503 with Retry-After. */
    public static final String UNAVAILABLE = PREFIX + "unavailable";
    /** An upper bound, so that a typo cannot hold request threads for hours. */
    public static final long MAX_LATENCY_MS = 60_000;

    private static final Logger LOG = Logger.getLogger(FaultSwitches.class);
    /** The last invalid value warned about per property, so that a bad value is logged once, not on every request. */
    private static final Map<String, String> WARNED = new ConcurrentHashMap<>();

    private FaultSwitches() {
    }

    /** The faults as the system properties say now. */
    public static Faults current() {
        return read(System::getProperty);
    }

    /** The faults as the given properties say; an invalid value switches its fault off and is logged once. */
    static Faults read(UnaryOperator<String> properties) {
        String latency = properties.apply(LATENCY_MS);
        String ratio = properties.apply(ERROR_RATIO);
        String unavailable = properties.apply(UNAVAILABLE);
        if (latency == null && ratio == null && unavailable == null) {
            return Faults.NONE;
        }
        return new Faults(latencyMs(latency), errorRatio(ratio), unavailable(unavailable));
    }

    private static long latencyMs(String value) {
        if (value == null) {
            return 0;
        }
        try {
            long ms = Long.parseLong(value.trim());
            if (ms >= 0 && ms <= MAX_LATENCY_MS) {
                return ms;
            }
        } catch (NumberFormatException invalid) {
            // warned below
        }
        warnOnce(LATENCY_MS, value, "a whole number of milliseconds from 0 to " + MAX_LATENCY_MS);
        return 0;
    }

    private static double errorRatio(String value) {
        if (value == null) {
            return 0;
        }
        try {
            double ratio = Double.parseDouble(value.trim());
            if (ratio >= 0 && ratio <= 1) {
                return ratio;
            }
        } catch (NumberFormatException invalid) {
            // warned below
        }
        warnOnce(ERROR_RATIO, value, "a number from 0 to 1");
        return 0;
    }

    private static boolean unavailable(String value) {
        if (value == null || "false".equalsIgnoreCase(value.trim())) {
            return false;
        }
        if ("true".equalsIgnoreCase(value.trim())) {
            return true;
        }
        warnOnce(UNAVAILABLE, value, "true or false");
        return false;
    }

    private static void warnOnce(String property, String value, String expected) {
        if (!value.equals(WARNED.put(property, value))) {
            // The JSON formatter escapes the value: it cannot break the line.
            LOG.warnf("Ignoring fault switch %s: '%s' is not %s", property, value, expected);
        }
    }
}
