package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import org.jboss.as.controller.client.ModelControllerClient;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;

/** The management API of the server under test, used as an operator would use jboss-cli. */
public final class Management {

    private Management() {
    }

    /** Runs the operation and returns its result; an unsuccessful outcome fails the test. */
    public static ModelNode execute(ModelNode operation) {
        try (ModelControllerClient management =
                     ModelControllerClient.Factory.create(InetAddress.getLoopbackAddress(), 9990)) {
            ModelNode response = management.execute(operation);
            if (!Operations.isSuccessfulOutcome(response)) {
                throw new AssertionError(operation + " failed: " + response);
            }
            return Operations.readResult(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Heap in use right after a full collection: what the server really keeps, without garbage. */
    public static long heapUsedAfterFullGc() {
        ModelNode memory = Operations.createAddress("core-service", "platform-mbean", "type", "memory");
        execute(Operations.createOperation("gc", memory));
        return execute(Operations.createReadAttributeOperation(memory, "heap-memory-usage")).get("used").asLong();
    }

    /** Adds the system property, or changes its value: {@code /system-property=NAME:add(value=VALUE)}. */
    public static void setSystemProperty(String name, String value) {
        ModelNode address = Operations.createAddress("system-property", name);
        if (systemPropertyNames().contains(name)) {
            execute(Operations.createWriteAttributeOperation(address, "value", value));
        } else {
            ModelNode add = Operations.createAddOperation(address);
            add.get("value").set(value);
            execute(add);
        }
    }

    /** Removes the system property if it exists. */
    public static void removeSystemProperty(String name) {
        if (systemPropertyNames().contains(name)) {
            execute(Operations.createRemoveOperation(Operations.createAddress("system-property", name)));
        }
    }

    /** The system properties of the server's configuration. */
    public static List<String> systemPropertyNames() {
        ModelNode read = Operations.createOperation("read-children-names", new ModelNode().setEmptyList());
        read.get("child-type").set("system-property");
        return execute(read).asList().stream().map(ModelNode::asString).toList();
    }
}
