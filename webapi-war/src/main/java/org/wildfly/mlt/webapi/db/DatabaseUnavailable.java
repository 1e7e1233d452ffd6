package org.wildfly.mlt.webapi.db;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.jboss.logging.Logger;
import org.wildfly.mlt.web.ProblemException;

/**
 * A failed database call as the caller sees it: 503 problem+json, at once (the pool waits at most its blocking timeout),
 * with no driver message or stack trace in the answer. The log line names the SQL state only.
 */
final class DatabaseUnavailable {

    private static final Logger LOG = Logger.getLogger(DatabaseUnavailable.class);

    private DatabaseUnavailable() {
    }

    static ProblemException of(String operation, SQLException failure) {
        // The pool's own failures (no connection within the blocking timeout, none could be opened) carry no SQL state.
        LOG.warnf("Database call failed while %s (SQL state %s)", operation,
                failure.getSQLState() == null ? "none" : failure.getSQLState());
        return new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "The database is unavailable.");
    }

    static ProblemException schemaNotReady() {
        return new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "The database schema is not ready yet.");
    }
}
