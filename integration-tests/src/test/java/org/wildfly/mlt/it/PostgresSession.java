package org.wildfly.mlt.it;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts the test PostgreSQL before the first test class (so before Arquillian starts the server, whose datasource
 * it serves) and removes it after the last. Registered in META-INF/services. The port and password it chose reach
 * the server through system properties that arquillian.xml expands when Arquillian reads it, after this has run.
 */
public class PostgresSession implements TestExecutionListener {

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        Postgres postgres = Postgres.startOnce();
        System.setProperty("it.postgres.server-properties", String.join(" ", postgres.serverProperties()));
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        Postgres.stopIfStarted();
    }
}
