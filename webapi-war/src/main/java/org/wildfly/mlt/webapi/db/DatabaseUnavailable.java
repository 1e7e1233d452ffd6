package org.wildfly.mlt.webapi.db;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.jboss.logging.Logger;
import org.wildfly.mlt.web.ProblemException;

/**
 * A failed database call as the caller sees it: 503 problem+json, at once (the pool waits at most its blocking timeout),
 * or 504 when the statement was cancelled after the datasource's query timeout (SQL state 57014, query_canceled, on
 * PostgreSQL and H2), with no driver message or stack trace in the answer. The log line names the SQL state only.
 */
final class DatabaseUnavailable {

    private static final Logger LOG = Logger.getLogger(DatabaseUnavailable.class);
    private static final String QUERY_CANCELED = "57014";

    private DatabaseUnavailable() {
    }

    static ProblemException of(String operation, SQLException failure) {
        // The pool's own failures (no connection within the blocking timeout, none could be opened) carry no SQL state.
        LOG.warnf("Database call failed while %s (SQL state %s)", operation,
                failure.getSQLState() == null ? "none" : failure.getSQLState());
        if (QUERY_CANCELED.equals(failure.getSQLState())) {
            return new ProblemException(Response.Status.GATEWAY_TIMEOUT, "The database did not answer in time.");
        }
        return new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "The database is unavailable.");
    }

    static ProblemException schemaNotReady() {
        return new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "The database schema is not ready yet.");
    }
}
