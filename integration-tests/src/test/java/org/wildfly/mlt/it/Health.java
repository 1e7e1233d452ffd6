package org.wildfly.mlt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** MicroProfile Health of the server under test, on the management interface. */
public final class Health {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Health() {
    }

    /** The readiness report (overall status and every check). */
    public static JsonNode readiness() {
        try {
            return JSON.readTree(Http.get(Http.MANAGEMENT + "/health/ready").body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status of one readiness check by name, "missing" when the report has none of that name. */
    public static String readinessCheck(String name) {
        return check(readiness(), name);
    }

    public static String check(JsonNode report, String name) {
        for (JsonNode check : report.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check.path("status").asText();
            }
        }
        return "missing";
    }
}
