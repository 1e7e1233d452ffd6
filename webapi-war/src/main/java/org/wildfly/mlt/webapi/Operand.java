package org.wildfly.mlt.webapi;

import jakarta.ws.rs.core.Response;
import java.util.regex.Pattern;
import org.wildfly.mlt.web.ProblemException;

/** Parses an /add operand: ASCII decimal digits only (Long.parseLong would also take other scripts' digits). */
final class Operand {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]{1,19}");

    private Operand() {
    }

    static long parse(String name, String value) {
        if (value != null && DECIMAL.matcher(value).matches()) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException outOfRange) {
                // 19 digits can still exceed Long.MAX_VALUE: fall through to the same answer as any other bad value.
            }
        }
        throw new ProblemException(Response.Status.BAD_REQUEST, "Query parameter '" + name
                + "' must be a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ".");
    }
}
