package org.wildfly.mlt.it;

import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;

/**
 * Changes the server under test at run time through the management API, as an operator would: deployments out of
 * service and back, system properties (which MicroProfile Config ranks above the server defaults) with a redeploy.
 */
public final class Deployments {

    private Deployments() {
    }

    public static void undeploy(String name) {
        execute("undeploy", name);
    }

    public static void deploy(String name) {
        execute("deploy", name);
    }

    /** Sets a system property, redeploys the deployments that must read it, runs the action, then undoes both. */
    public static void withSystemProperty(String property, String value, Runnable action, String... deployments) {
        ModelNode address = Operations.createAddress("system-property", property);
        ModelNode add = Operations.createAddOperation(address);
        add.get("value").set(value);
        Management.execute(add);
        try {
            redeploy(deployments);
            action.run();
        } finally {
            Management.execute(Operations.createRemoveOperation(address));
            redeploy(deployments);
        }
    }

    private static void redeploy(String... deployments) {
        for (String deployment : deployments) {
            execute("redeploy", deployment);
        }
    }

    private static void execute(String operation, String deployment) {
        Management.execute(Operations.createOperation(operation, Operations.createAddress("deployment", deployment)));
    }
}
