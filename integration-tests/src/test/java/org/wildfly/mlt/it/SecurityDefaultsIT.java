package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Secure by default: the server listens on loopback only unless configured, the repository holds no secret, error
 * pages show no stack trace, every answer carries the security headers, and nothing unused and unauthenticated (the
 * HTTP invoker, the application keystore) is left in the configuration.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class SecurityDefaultsIT {

    /** Application, management (health, server metrics, admin) and the two WARs' metrics ports. */
    private static final List<Integer> SERVER_PORTS = List.of(8080, 9990, 9464, 9465);
    private static final Pattern SECRET = Pattern.compile(String.join("|",
            "-----BEGIN [A-Z ]*PRIVATE KEY-----",
            "AKIA[0-9A-Z]{16}",                                   // AWS access key id
            "gh[pousr]_[A-Za-z0-9]{36}",                          // GitHub token
            "xox[baprs]-[A-Za-z0-9-]{10,}",                       // Slack token
            "(?i)(password|passwd|secret|token|api_?key)[\"']?\\s*[:=]\\s*[\"'](?![{$<%])[^\"'\\s]{6,}[\"']"));

    /** A servlet that throws: the only way to see the servlet container's own error page, as a failing filter would. */
    @Deployment(testable = false)
    static WebArchive failingServlet() {
        return ShrinkWrap.create(WebArchive.class, "mlt-error-page.war").addClass(FailingServlet.class);
    }

    @Test
    void errorPagesShowNoStackTraceNotEvenToLocalCallers() {
        // The test runs on the server's host: Undertow's default (local-only) would show the trace to it.
        HttpResponse<String> answer = Http.get(Http.APP + "/mlt-error-page/fail");
        assertEquals(500, answer.statusCode(), answer.body());
        for (String leak : List.of(FailingServlet.MESSAGE, "IllegalStateException", "FailingServlet", "\tat ", "at org.")) {
            assertFalse(answer.body().contains(leak), "error page shows " + leak + ":\n" + answer.body());
        }
        // Not the security headers: the servlet container resets the response (headers too) before it writes this
        // page, a fixed text without active content. The pages of the WARs and Undertow's own 404 carry them.
        ModelNode container = Operations.createAddress("subsystem", "undertow", "servlet-container", "default");
        assertEquals("none", Management.execute(
                Operations.createReadAttributeOperation(container, "stack-trace-on-error")).asString());
    }

    @Test
    void pagesCarryTheSecurityHeaders() {
        for (String path : List.of("/webapp/", "/webapp/service", "/webapi/", "/no-such-page")) {
            HttpResponse<String> answer = Http.get(Http.APP + path, "Accept", "text/html");
            assertSecurityHeaders(answer);
        }
        HttpResponse<String> index = Http.get(Http.APP + "/webapp/", "Accept", "text/html");
        assertEquals(200, index.statusCode(), index.body());
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), index.headers().toString());
    }

    @Test
    void theHttpInvokerIsGone() {
        // EJB and naming over HTTP, unauthenticated, mounted by the Galleon layers on every host.
        HttpResponse<String> answer = Http.get(Http.APP + "/wildfly-services");
        assertEquals(404, answer.statusCode(), answer.body());
        ModelNode host = Operations.createAddress("subsystem", "undertow", "server", "default-server", "host", "default-host");
        ModelNode settings = Operations.createOperation("read-children-names", host);
        settings.get("child-type").set("setting");
        assertFalse(Management.execute(settings).asList().stream().anyMatch(n -> n.asString().equals("http-invoker")));
    }

    @Test
    void noApplicationKeystoreWithItsDefaultPassword() {
        ModelNode elytron = Operations.createAddress("subsystem", "elytron");
        for (String type : List.of("key-store", "key-manager", "server-ssl-context")) {
            ModelNode children = Operations.createOperation("read-children-names", elytron);
            children.get("child-type").set(type);
            assertEquals(List.of(), Management.execute(children).asList(), type);
        }
    }

    private static void assertSecurityHeaders(HttpResponse<String> answer) {
        String where = answer.uri() + " (" + answer.statusCode() + ")";
        String csp = answer.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), where + ": CSP " + csp);
        assertEquals(List.of("nosniff"), answer.headers().allValues("X-Content-Type-Options"), where);
        assertEquals(List.of("DENY"), answer.headers().allValues("X-Frame-Options"), where);
    }

    @Test
    void serverPortsListenOnLoopbackOnly() {
        Map<Integer, List<String>> listening = listeningAddresses();
        for (int port : SERVER_PORTS) {
            List<String> addresses = listening.getOrDefault(port, List.of());
            assertFalse(addresses.isEmpty(), "nothing listens on " + port);
            assertTrue(addresses.stream().allMatch(SecurityDefaultsIT::isLoopback),
                    "port " + port + " listens beyond loopback: " + addresses);
        }
    }

    @Test
    void repositoryHoldsNoSecret() throws IOException {
        Path root = Path.of(System.getProperty("server.dir")).getParent().getParent().getParent();
        List<String> findings = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/.git/")
                            && !f.toString().contains("/node_modules/"))
                    .forEach(file -> scan(file, findings));
        }
        assertTrue(findings.isEmpty(), "possible secrets:\n" + String.join("\n", findings));
    }

    @Test
    void theSecretScanFindsWhatItLooksFor() {
        for (String sample : List.of("-----BEGIN OPENSSH PRIVATE KEY-----", "AKIAABCDEFGHIJKLMNOP",
                "grafana_admin_password: \"hunter22\"", "token = 'abcdef123456'")) {
            assertTrue(SECRET.matcher(sample).find(), sample);
        }
        for (String placeholder : List.of("grafana_admin_password: \"{{ vault_grafana_admin_password }}\"",
                "password: \"${GRAFANA_PASSWORD}\"")) {
            assertFalse(SECRET.matcher(placeholder).find(), placeholder);
        }
    }

    private static void scan(Path file, List<String> findings) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > 2_000_000) {
                return;
            }
            String[] lines = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (SECRET.matcher(lines[i]).find() && !file.toString().endsWith("SecurityDefaultsIT.java")) {
                    findings.add(file + ":" + (i + 1) + ": " + lines[i].strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 127.0.0.0/8, ::1 and ::ffff:127.x.y.z, as /proc/net/tcp{,6} print them (little-endian hex words). */
    private static boolean isLoopback(String hex) {
        return hex.length() == 8 ? hex.endsWith("7F")
                : hex.equals("00000000000000000000000001000000") || hex.matches("0000000000000000FFFF0000.{6}7F");
    }

    /** Local addresses (hex, as the kernel prints them) of listening TCP sockets, by port. */
    private static Map<Integer, List<String>> listeningAddresses() {
        Map<Integer, List<String>> byPort = new TreeMap<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] fields = line.trim().split("\\s+");
                    if (!fields[3].equals("0A")) { // LISTEN
                        continue;
                    }
                    String[] local = fields[1].split(":");
                    byPort.computeIfAbsent(Integer.parseInt(local[1], 16), p -> new ArrayList<>()).add(local[0]);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertEquals(false, byPort.isEmpty(), "no listening sockets found in /proc/net");
        return byPort;
    }
}
