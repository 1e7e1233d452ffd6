package org.wildfly.mlt.it;

import java.util.Map;
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
        withSystemProperties(Map.of(property, value), action, deployments);
    }

    /** The same for several properties. */
    public static void withSystemProperties(Map<String, String> properties, Runnable action, String... deployments) {
        properties.forEach((property, value) -> {
            ModelNode add = Operations.createAddOperation(Operations.createAddress("system-property", property));
            add.get("value").set(value);
            Management.execute(add);
        });
        try {
            redeploy(deployments);
            action.run();
        } finally {
            properties.keySet().forEach(property ->
                    Management.execute(Operations.createRemoveOperation(Operations.createAddress("system-property", property))));
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
