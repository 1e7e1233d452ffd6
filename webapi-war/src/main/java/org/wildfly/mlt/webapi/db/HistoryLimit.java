package org.wildfly.mlt.webapi.db;

import jakarta.ws.rs.core.Response;
import java.util.regex.Pattern;
import org.wildfly.mlt.web.ProblemException;

/** The {@code limit} of GET /history: ASCII digits, 1 to {@value #MAX}; anything else is a 400 problem. */
final class HistoryLimit {

    static final int DEFAULT = 20;
    static final int MAX = 100;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,3}");

    private HistoryLimit() {
    }

    static int parse(String value) {
        if (value == null) {
            return DEFAULT;
        }
        if (DIGITS.matcher(value).matches()) {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX) {
                return limit;
            }
        }
        throw new ProblemException(Response.Status.BAD_REQUEST,
                "Query parameter 'limit' must be a whole number from 1 to " + MAX + ".");
    }
}
