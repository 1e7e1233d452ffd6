package org.wildfly.mlt.web;

import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * The X-Request-ID contract: a caller's id is kept only when it is safe to log and forward verbatim
 * (at most 128 characters of {@code [A-Za-z0-9._-]}); anything else is replaced by a fresh UUID.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-ID";
    /** Key of the request id in the logging MDC, and so in every JSON log line. */
    public static final String MDC_KEY = "request_id";
    /** Span attribute that carries the request id. */
    public static final String SPAN_ATTRIBUTE = "request.id";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private RequestIds() {
    }

    /** The id of the request this thread is serving (the MDC carries it), or null outside a request. */
    public static String current() {
        Object id = MDC.get(MDC_KEY);
        return id == null ? null : id.toString();
    }

    public static String acceptOrGenerate(String supplied) {
        if (supplied != null && SAFE.matcher(supplied).matches()) {
            return supplied;
        }
        return UUID.randomUUID().toString();
    }
}
