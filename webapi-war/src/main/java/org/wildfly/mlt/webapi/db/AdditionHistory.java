package org.wildfly.mlt.webapi.db;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.wildfly.mlt.web.RequestIds;

/**
 * The table of successful additions. Every value is bound, never concatenated into SQL; the SQL is portable (H2 and
 * PostgreSQL). Any database failure is a 503 problem (DatabaseUnavailable).
 */
@ApplicationScoped
public class AdditionHistory {

    private static final String INSERT = "INSERT INTO addition (a, b, result, created_at, request_id, trace_id)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    private static final String RECENT = "SELECT a, b, result, created_at, request_id, trace_id FROM addition"
            + " ORDER BY id DESC FETCH FIRST ? ROWS ONLY";
    private static final String TOTAL = "SELECT COUNT(*) FROM addition";
    private static final String MOST_FREQUENT = "SELECT result, COUNT(*) AS times FROM addition"
            + " GROUP BY result ORDER BY times DESC, result FETCH FIRST ? ROWS ONLY";

    @Inject
    WebapiDatabase database;

    @Inject
    SchemaMigrations migrations;

    /** Stores an addition with the id of the request and the trace it was served in. */
    public void record(long a, long b, long result) {
        requireSchema();
        SpanContext span = Span.current().getSpanContext();
        try (Connection connection = database.traced().getConnection();
             PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setLong(1, a);
            insert.setLong(2, b);
            insert.setLong(3, result);
            insert.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
            insert.setString(5, RequestIds.current() == null ? "none" : RequestIds.current());
            insert.setString(6, span.isValid() ? span.getTraceId() : null);
            insert.executeUpdate();
        } catch (SQLException failed) {
            throw DatabaseUnavailable.of("storing an addition", failed);
        }
    }

    /** The newest additions first. */
    public List<HistoryEntry> recent(int limit) {
        requireSchema();
        try (Connection connection = database.traced().getConnection();
             PreparedStatement select = connection.prepareStatement(RECENT)) {
            select.setInt(1, limit);
            List<HistoryEntry> entries = new ArrayList<>(limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    entries.add(new HistoryEntry(rows.getLong(1), rows.getLong(2), rows.getLong(3),
                            rows.getObject(4, OffsetDateTime.class).toInstant().toString(), rows.getString(5),
                            rows.getString(6)));
                }
            }
            return entries;
        } catch (SQLException failed) {
            throw DatabaseUnavailable.of("reading the history", failed);
        }
    }

    /** The total and the most frequent results: an aggregate over the whole table (cached by StatsCache). */
    public Stats stats(int mostFrequent) {
        requireSchema();
        try (Connection connection = database.traced().getConnection();
             PreparedStatement total = connection.prepareStatement(TOTAL);
             PreparedStatement frequent = connection.prepareStatement(MOST_FREQUENT)) {
            long count;
            try (ResultSet rows = total.executeQuery()) {
                rows.next();
                count = rows.getLong(1);
            }
            frequent.setInt(1, mostFrequent);
            List<Stats.ResultCount> results = new ArrayList<>(mostFrequent);
            try (ResultSet rows = frequent.executeQuery()) {
                while (rows.next()) {
                    results.add(new Stats.ResultCount(rows.getLong(1), rows.getLong(2)));
                }
            }
            return new Stats(count, results, OffsetDateTime.now(ZoneOffset.UTC).toInstant().toString());
        } catch (SQLException failed) {
            throw DatabaseUnavailable.of("computing the statistics", failed);
        }
    }

    private void requireSchema() {
        if (!migrations.migrated()) {
            throw DatabaseUnavailable.schemaNotReady();
        }
    }
}
