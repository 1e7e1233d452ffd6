package org.wildfly.mlt.webapi.db;

import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

/**
 * The schema's migrations counted by state, read fresh from the database's history table. "future": applied in the
 * database but unknown to this build (the schema is newer than the code, e.g. a rolling deploy that stalled).
 */
public record SchemaState(int applied, int pending, int failed, int future) {

    static SchemaState of(MigrationInfo[] migrations) {
        int applied = 0;
        int pending = 0;
        int failed = 0;
        int future = 0;
        for (MigrationInfo migration : migrations) {
            MigrationState state = migration.getState();
            if (state == MigrationState.FUTURE_SUCCESS || state == MigrationState.FUTURE_FAILED) {
                future++;
            } else if (state.isFailed()) {
                failed++;
            } else if (state == MigrationState.PENDING) {
                pending++;
            } else if (state.isApplied()) {
                applied++;
            }
        }
        return new SchemaState(applied, pending, failed, future);
    }
}
