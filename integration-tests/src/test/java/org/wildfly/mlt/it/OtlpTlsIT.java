package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.wildfly.mlt.it.OtlpTestReceiver.ReceivedSpan;

/**
 * Spans leave the server over mutual TLS when the operator says so, as on the VMs (ansible/roles/wildfly:
 * OTEL_EXPORTER_OTLP_ENDPOINT https, OTEL_EXPORTER_OTLP_CERTIFICATE, ..._CLIENT_CERTIFICATE, ..._CLIENT_KEY): the
 * exporter WildFly ships (SmallRye OpenTelemetry's Vert.x sender) checks the backend's certificate against the
 * deployment's CA and proves its own identity with the host certificate, which the backend requires. That certificate
 * is what authenticates the ingestion: this exporter sends no OTEL_EXPORTER_OTLP_HEADERS (SmallRye OpenTelemetry
 * 2.11.2 reads none), so a bearer token cannot.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class OtlpTlsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String CLIENT = "it-wildfly-host";

    private static TestPki deployment;
    private static TestPki.Identity client;

    @BeforeAll
    static void makeCertificates() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("target"), "otlp-tls-");
        deployment = TestPki.create(dir, "it-deployment-ca");
        client = deployment.issue(CLIENT, "clientAuth");
    }

    @Test
    void spansArriveOverMutualTlsWithTheHostsCertificate() {
        TestPki.Identity backend = deployment.issue("it-trace-backend", "serverAuth");
        int port = ExternalProcess.freePort();
        OtlpTestReceiver receiver = OtlpTestReceiver.mutualTls(port, deployment.context(backend));
        try {
            String requestId = "it-otlp-tls-" + UUID.randomUUID();
            Deployments.withSystemProperties(exporterProperties(port), () -> {
                assertEquals(200, Http.get(Http.APP + "/webapp/service", "X-Request-ID", requestId).statusCode());
                ReceivedSpan server = receiver.awaitServerSpan("webapp", requestId, TIMEOUT);
                // webapp's server, manual and client spans: all of webapp's part of the trace came this way.
                receiver.awaitTrace(server.traceId(), 3, TIMEOUT);
            }, "webapp.war");
            assertTrue(receiver.clientSubjects().stream().allMatch(("CN=" + CLIENT)::equals),
                    "every export request presented the host certificate: " + receiver.clientSubjects());
        } finally {
            receiver.stop();
        }
    }

    @Test
    void aBackendTheDeploymentsCaDidNotCertifyGetsNoSpans() throws IOException {
        TestPki impostor = TestPki.create(Files.createTempDirectory(Path.of("target"), "otlp-impostor-"), "it-other-ca");
        SSLContext impostorTls = impostor.context(impostor.issue("it-impostor-backend", "serverAuth"));
        int port = ExternalProcess.freePort();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        try (SSLServerSocket listener = (SSLServerSocket) impostorTls.getServerSocketFactory()
                .createServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> countHandshakes(listener, refused, accepted), "otlp-impostor");
            acceptor.setDaemon(true);
            acceptor.start();
            Deployments.withSystemProperties(exporterProperties(port), () -> {
                assertEquals(200, Http.get(Http.APP + "/webapp/service").statusCode());
                Await.until(TIMEOUT, refused::get, n -> n > 0, "the exporter to try the impostor and refuse it");
            }, "webapp.war");
        }
        assertEquals(0, accepted.get(), "handshakes the exporter completed with a backend outside the deployment's CA");
    }

    /**
     * The endpoint of spans only, so that the server's own otel.exporter.otlp.endpoint (-D) stays for the other tests.
     * SmallRye OpenTelemetry 2.11.2 names its per-signal keys after its signal type "span"
     * (otel.exporter.otlp.span.endpoint); the specification's otel.exporter.otlp.traces.endpoint
     * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is ignored, as this test found: the generic keys are the ones to use.
     */
    private static Map<String, String> exporterProperties(int port) {
        return Map.of("otel.exporter.otlp.span.endpoint", "https://127.0.0.1:" + port,
                "otel.exporter.otlp.certificate", deployment.caCertificatePem().toAbsolutePath().toString(),
                "otel.exporter.otlp.client.certificate", client.certificatePem().toAbsolutePath().toString(),
                "otel.exporter.otlp.client.key", client.keyPem().toAbsolutePath().toString());
    }

    private static void countHandshakes(SSLServerSocket listener, AtomicInteger refused, AtomicInteger accepted) {
        while (!listener.isClosed()) {
            try (Socket socket = listener.accept()) {
                ((SSLSocket) socket).startHandshake();
                accepted.incrementAndGet();
            } catch (SSLException e) {
                refused.incrementAndGet();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
