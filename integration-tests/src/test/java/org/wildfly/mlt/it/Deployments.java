package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import org.jboss.as.controller.client.ModelControllerClient;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;

/** Takes a deployment of the server under test out of service and back, through the management API. */
public final class Deployments {

    private Deployments() {
    }

    public static void undeploy(String name) {
        execute("undeploy", name);
    }

    public static void deploy(String name) {
        execute("deploy", name);
    }

    private static void execute(String operation, String deployment) {
        try (ModelControllerClient management =
                     ModelControllerClient.Factory.create(InetAddress.getLoopbackAddress(), 9990)) {
            ModelNode result = management.execute(
                    Operations.createOperation(operation, Operations.createAddress("deployment", deployment)));
            if (!Operations.isSuccessfulOutcome(result)) {
                throw new AssertionError(operation + " " + deployment + " failed: " + result);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
