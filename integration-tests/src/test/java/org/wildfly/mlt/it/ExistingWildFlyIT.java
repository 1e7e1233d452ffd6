package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The stock WildFly distribution, configured by scripts/configure-existing-wildfly.sh as an operator would (README,
 * "Deploy onto your own WildFly"), both WARs in its deployments directory. The failsafe execution existing-wildfly
 * runs the core assertions on it unchanged (TraceLogCorrelationIT, MetricsIT, HealthIT: one trace across both
 * services, JSON log lines with the ids, per-route metrics with exemplars, health); this class proves that the server
 * is the distribution and that each CLI script took effect there.
 */
@EnabledIfSystemProperty(named = "existing.wildfly.version", matches = ".+")
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ExistingWildFlyIT {

    private static final ModelNode ROOT = new ModelNode().setEmptyList();

    @Test
    void theServerIsTheStockDistributionWithBothWars() {
        assertEquals("WildFly", attribute(ROOT, "product-name").asString());
        assertEquals(System.getProperty("existing.wildfly.version"), attribute(ROOT, "product-version").asString());
        // What the distribution's standalone-microprofile.xml has and the Galleon-provisioned server has not.
        assertTrue(children(ROOT, "subsystem").containsAll(List.of("microprofile-openapi-smallrye", "microprofile-jwt-smallrye")),
                children(ROOT, "subsystem").toString());
        for (String war : List.of("webapi.war", "webapp.war")) {
            assertEquals("OK", attribute(Operations.createAddress("deployment", war), "status").asString(), war);
        }
    }

    /** telemetry.cli: the server defaults every WAR reads through MicroProfile Config. */
    @Test
    void telemetryDefaultsAreAConfigSource() {
        ModelNode properties = attribute(Operations.createAddress("subsystem", "microprofile-config-smallrye",
                "config-source", "mlt-telemetry-defaults"), "properties");
        assertEquals("prometheus-trace-exemplars", properties.get("otel.metrics.exporter").asString());
        assertEquals("parentbased_traceidratio", properties.get("otel.traces.sampler").asString());
    }

    /** logging.cli: JSON on the console and in server.log, the text handler gone. */
    @Test
    void logsAreJsonOnly() {
        ModelNode logging = Operations.createAddress("subsystem", "logging");
        assertEquals(List.of("CONSOLE", "JSON_FILE"), attribute(Operations.createAddress("subsystem", "logging",
                "root-logger", "ROOT"), "handlers").asList().stream().map(ModelNode::asString).toList());
        assertFalse(children(logging, "periodic-rotating-file-handler").contains("FILE"));
        assertEquals("JSON", attribute(Operations.createAddress("subsystem", "logging", "console-handler", "CONSOLE"),
                "named-formatter").asString());
    }

    /** security.cli: the distribution's demo keystore (password "password") and the https listener on it are gone. */
    @Test
    void theDemoKeystoreAndItsHttpsListenerAreGone() {
        ModelNode elytron = Operations.createAddress("subsystem", "elytron");
        assertFalse(children(elytron, "key-store").contains("applicationKS"), children(elytron, "key-store").toString());
        assertFalse(children(elytron, "server-ssl-context").contains("applicationSSC"));
        assertEquals(List.of(), children(Operations.createAddress("subsystem", "undertow", "server", "default-server"),
                "https-listener"));
        assertEquals("none", attribute(Operations.createAddress("subsystem", "undertow", "servlet-container", "default"),
                "stack-trace-on-error").asString());
        var page = Http.get(Http.APP + "/webapp/");
        assertEquals(200, page.statusCode());
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"),
                page.headers().toString());
    }

    /** threads.cli and metrics.cli: the request thread pool, and Undertow statistics, in the server's metrics. */
    @Test
    void requestThreadsAndUndertowStatistics() {
        assertEquals(100, attribute(Operations.createAddress("subsystem", "io", "worker", "default"),
                "task-max-threads").asInt());
        assertTrue(attribute(Operations.createAddress("subsystem", "undertow"), "statistics-enabled").asBoolean());
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=1&b=2").statusCode());
        PrometheusScrape server = PrometheusScrape.of(Http.MANAGEMENT + "/metrics", false);
        assertTrue(server.value("wildfly_undertow_request_count_total", Map.of()) > 0,
                "Undertow request counts (statistics-enabled)");
    }

    /** The build also ran the script on the distribution's standalone.xml, which lacks these subsystems. */
    @Test
    void standaloneXmlGetsTheSubsystemsItLacked() throws IOException {
        String standaloneXml = Files.readString(Path.of(System.getProperty("server.dir"), "standalone", "configuration",
                "standalone.xml"));
        for (String extension : List.of("microprofile.health-smallrye", "microprofile.fault-tolerance-smallrye",
                "opentelemetry", "microprofile.telemetry")) {
            assertTrue(standaloneXml.contains("<extension module=\"org.wildfly.extension." + extension + "\"/>"), extension);
        }
        for (String subsystem : List.of("microprofile-health-smallrye", "microprofile-fault-tolerance-smallrye",
                "opentelemetry", "microprofile-telemetry")) {
            assertTrue(standaloneXml.matches("(?s).*<subsystem xmlns=\"urn:wildfly:" + subsystem + ":[0-9.]+\".*"), subsystem);
        }
        assertTrue(standaloneXml.contains("name=\"mlt-telemetry-defaults\""), "telemetry.cli ran after subsystems.cli");
        assertTrue(standaloneXml.contains("<size-rotating-file-handler name=\"JSON_FILE\""), "logging.cli");
        assertFalse(standaloneXml.contains("applicationKS"), "security.cli");
    }

    private static ModelNode attribute(ModelNode address, String name) {
        ModelNode read = Operations.createReadAttributeOperation(address, name);
        read.get("resolve-expressions").set(true);
        return Management.execute(read);
    }

    private static List<String> children(ModelNode address, String type) {
        ModelNode read = Operations.createOperation("read-children-names", address);
        read.get("child-type").set(type);
        return Management.execute(read).asList().stream().map(ModelNode::asString).toList();
    }
}
