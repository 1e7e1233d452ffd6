package org.wildfly.mlt.webapi.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultSwitchesTest {

    @Test
    void noPropertyIsNoFault() {
        Faults faults = read(Map.of());
        assertSame(Faults.NONE, faults);
        assertFalse(faults.any());
    }

    @Test
    void eachSwitchIsReadFromItsProperty() {
        assertEquals(new Faults(300, 0, false), read(Map.of(FaultSwitches.LATENCY_MS, "300")));
        assertEquals(new Faults(0, 0.25, false), read(Map.of(FaultSwitches.ERROR_RATIO, " 0.25 ")));
        assertEquals(new Faults(0, 0, true), read(Map.of(FaultSwitches.UNAVAILABLE, "TRUE")));
        assertEquals(new Faults(60_000, 1, false), read(Map.of(FaultSwitches.LATENCY_MS, "60000",
                FaultSwitches.ERROR_RATIO, "1", FaultSwitches.UNAVAILABLE, "false")));
    }

    @Test
    void anInvalidValueSwitchesItsFaultOff() {
        for (String latency : new String[] {"-1", "60001", "300ms", "", "1e3", "99999999999999999999"}) {
            assertEquals(Faults.NONE.latencyMs(), read(Map.of(FaultSwitches.LATENCY_MS, latency)).latencyMs(), latency);
        }
        for (String ratio : new String[] {"-0.1", "1.5", "NaN", "half", ""}) {
            assertEquals(0, read(Map.of(FaultSwitches.ERROR_RATIO, ratio)).errorRatio(), ratio);
        }
        for (String unavailable : new String[] {"yes", "1", ""}) {
            assertFalse(read(Map.of(FaultSwitches.UNAVAILABLE, unavailable)).unavailable(), unavailable);
        }
        // One invalid switch leaves the others as set.
        assertEquals(new Faults(0, 0.5, false), read(Map.of(FaultSwitches.LATENCY_MS, "slow",
                FaultSwitches.ERROR_RATIO, "0.5")));
    }

    private static Faults read(Map<String, String> properties) {
        return FaultSwitches.read(properties::get);
    }
}
