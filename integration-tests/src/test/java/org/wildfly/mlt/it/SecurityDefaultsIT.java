package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Secure by default: the server listens on loopback only unless configured, and the repository holds no secret. */
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
