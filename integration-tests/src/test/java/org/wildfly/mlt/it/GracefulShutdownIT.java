package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rolling restart's first steps: the drain (readiness DOWN while still serving), then WildFly's suspend (what SIGTERM does first, org.wildfly.sigterm.suspend.timeout in
 * standalone.conf): readiness turns DOWN and new requests are refused at once, while the requests in flight finish
 * with their answers; resumed, the server serves again. webapi is a slow fake on another port, so that requests are
 * truly in flight when the suspend begins.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class GracefulShutdownIT {

    private static final String SERVICE = Http.APP + "/webapp/service";
    private static final Duration WEBAPI_ANSWERS_AFTER = Duration.ofSeconds(3);
    private static final int IN_FLIGHT = 5;

    @Test
    void suspendLetsRequestsInFlightFinishRefusesNewOnesAndTurnsReadinessDown() {
        try (FakeWebapi webapi = new FakeWebapi(ExternalProcess.freePort(), WEBAPI_ANSWERS_AFTER).start()) {
            Deployments.withSystemProperties(Map.of("webapi.url", webapi.url(), "webapi.read-timeout-ms", "10000"), () -> {
                assertEquals(200, Http.get(SERVICE).statusCode());
                int before = webapi.received();
                HttpClient client = HttpClient.newHttpClient();
                List<CompletableFuture<HttpResponse<String>>> inFlight = IntStream.range(0, IN_FLIGHT)
                        .mapToObj(i -> client.sendAsync(HttpRequest.newBuilder(URI.create(SERVICE))
                                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()))
                        .toList();
                Await.until(WEBAPI_ANSWERS_AFTER, () -> webapi.received() - before, n -> n == IN_FLIGHT,
                        "the requests to be in flight at webapi");

                CompletableFuture<ModelNode> suspend = CompletableFuture.supplyAsync(() -> Management.execute(
                        suspendOperation()));
                try {
                    Await.until(Duration.ofSeconds(10), () -> Health.readinessCheck("suspend-state"),
                            state -> "DOWN".equals(state), "readiness's suspend-state check DOWN while suspending");
                    assertEquals(503, Http.get(Http.MANAGEMENT + "/health/ready").statusCode(), "readiness DOWN");
                    assertEquals(503, Http.get(SERVICE).statusCode(), "a new request while suspending");
                    inFlight.forEach(call -> assertEquals(200, call.join().statusCode(), "a request in flight"));
                    suspend.join();
                } finally {
                    Management.execute(Operations.createOperation("resume", new ModelNode().setEmptyList()));
                }
                Await.until(Duration.ofSeconds(10), () -> Http.get(Http.MANAGEMENT + "/health/ready").statusCode(),
                        status -> status == 200, "readiness UP after resume");
                assertEquals(200, Http.get(SERVICE).statusCode());
            }, "webapp.war");
        }
    }

    /**
     * The step before the suspend (the Ansible unit's ExecStop): the drain marker turns readiness DOWN while the server
     * still serves, so that a load balancer moves away before anything is refused; a marker left from before this
     * server started does not count.
     */
    @Test
    void theDrainMarkerTurnsReadinessDownWhileTheServerStillServes() throws IOException {
        Path marker = Path.of(System.getProperty("server.dir"), "standalone", "tmp", "draining");
        try {
            Files.writeString(marker, "");
            Files.setLastModifiedTime(marker, FileTime.fromMillis(0));
            assertEquals("UP", Health.readinessCheck("draining"), "a marker older than the server is ignored");

            Files.setLastModifiedTime(marker, FileTime.fromMillis(System.currentTimeMillis()));
            JsonNode draining = Health.readiness();
            assertEquals("DOWN", draining.path("status").asText(), draining.toString());
            assertEquals("DOWN", Health.check(draining, "draining"), draining.toString());
            assertEquals("UP", Health.readinessCheck("suspend-state"), "not suspended: still accepting");
            HttpResponse<String> served = Http.get(SERVICE, "Accept", "application/json");
            assertEquals(200, served.statusCode(), "served while draining");
            assertTrue(served.body().contains("\"result\":4"), served.body());
        } finally {
            Files.deleteIfExists(marker);
        }
        assertEquals("UP", Health.readinessCheck("draining"), "the marker removed");
        assertEquals(200, Http.get(Http.MANAGEMENT + "/health/ready").statusCode(), "ready again");
    }

    private static ModelNode suspendOperation() {
        ModelNode suspend = Operations.createOperation("suspend", new ModelNode().setEmptyList());
        suspend.get("suspend-timeout").set(30);
        return suspend;
    }
}
