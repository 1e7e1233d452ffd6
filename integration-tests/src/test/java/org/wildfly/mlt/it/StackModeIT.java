package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.wildfly.mlt.observability.AlertRules;
import org.wildfly.mlt.observability.ObservabilityFiles;

/**
 * The run command's stack mode (scripts/stack.sh, what ./run.sh --stack runs after the build), as a user starts it:
 * on the packaged server, at the stack's own fixed ports, with the configuration of observability/. Every component
 * it starts is up, Prometheus scrapes every local target and has loaded every rule group of the repository, the
 * components it cannot start (binaries not installed) are each named once with where to get them, and a SIGTERM
 * (what Ctrl-C does) stops every process it started. Not an Arquillian test: the script starts the server itself.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackModeIT {

    /** Wide headroom: WildFly's boot, then one 15 s scrape and evaluation interval of the committed prometheus.yml. */
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** The script's own stop bound (60 s: WildFly's graceful suspend and shutdown) plus headroom. */
    private static final Duration STOP = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    /** Components started when their binary is on the PATH, by the Prometheus job that scrapes them. */
    private static final List<String> OPTIONAL = List.of("loki", "jaeger", "grafana", "alloy");
    private static final Set<String> ALWAYS = Set.of("prometheus", "alertmanager", "blackbox", "wildfly");
    /** Jobs of the server and of the packaged components, up in every run. */
    private static final Set<String> ALWAYS_UP_JOBS = Set.of("app", "wildfly", "health-ready", "health-live",
            "prometheus", "alertmanager", "blackbox");
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/\\S*");

    private static final Path REPO = ObservabilityFiles.dir().getParent();
    private static final Path WORK = Path.of(System.getProperty("stack.server.dir")).resolveSibling("stack-mode-run");
    private static final Path OUTPUT = WORK.resolve("stack.out");

    private static Process stack;
    private static Set<String> installed;
    private static PrometheusApi prometheus;
    private static int prometheusPort;

    @BeforeAll
    static void startStack() throws IOException {
        installed = OPTIONAL.stream().filter(name -> onPath(name).isPresent()).collect(Collectors.toCollection(TreeSet::new));
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        ProcessBuilder builder = new ProcessBuilder("bash", REPO.resolve("scripts/stack.sh").toString(),
                System.getProperty("stack.server.dir")).directory(REPO.toFile())
                .redirectErrorStream(true).redirectOutput(OUTPUT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("MLT_STACK_DIR", WORK.resolve("state").toString());
        stack = builder.start();
        prometheusPort = scrapedPort("prometheus");
        prometheus = new PrometheusApi("http://127.0.0.1:" + prometheusPort);
        // The script reports "all up" once every component it started answers; it exits when one of them dies.
        await("the script's \"all up\" line", () -> {
            assertTrue(stack.isAlive(), () -> "stack.sh exited " + stack.exitValue() + ":\n" + output());
            return output().contains("\nall up: ");
        });
    }

    @AfterAll
    static void stopWhateverIsLeft() throws InterruptedException {
        if (stack != null && stack.isAlive()) {
            List<ProcessHandle> children = stack.toHandle().descendants().toList();
            stack.destroy();
            if (!stack.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                stack.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void everyComponentIsStartedOrSkippedWithOneLineSayingWhereToGetIt() {
        String out = output();
        Set<String> started = lines(out).stream().filter(l -> l.startsWith("started: "))
                .map(l -> l.substring("started: ".length()).split(" ")[0]).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>(ALWAYS);
        expected.addAll(installed);
        assertEquals(expected, started, out);
        for (String name : OPTIONAL) {
            List<String> skipped = lines(out).stream().filter(l -> l.startsWith("skipped: " + name + " ")).toList();
            if (installed.contains(name)) {
                assertEquals(List.of(), skipped);
            } else {
                assertEquals(1, skipped.size(), out);
                // Where to get it: the release the Ansible role pins, with its checksum.
                assertTrue(skipped.get(0).contains(roleDefault(name, name + "_archive_url")), skipped.get(0));
                assertTrue(skipped.get(0).contains(roleDefault(name, name + "_checksum")), skipped.get(0));
            }
        }
        System.out.println("Optional components installed here: " + installed);
    }

    @Test
    void prometheusRunsTheCommittedConfigAndRulesWithExemplarStorage() throws IOException {
        JsonNode flags = prometheusData("/api/v1/status/flags");
        assertTrue(flags.path("enable-feature").asText().contains("exemplar-storage"), flags.toString());
        assertTrue(flags.path("web.listen-address").asText().startsWith("127.0.0.1:"), flags.toString());
        // Nothing copied: the config file and the rules are links to the repository's.
        Path config = Path.of(flags.path("config.file").asText());
        assertEquals(ObservabilityFiles.path("prometheus/prometheus.yml").toRealPath(), config.toRealPath());
        assertEquals(ObservabilityFiles.path("prometheus/rules").toRealPath(), config.resolveSibling("rules").toRealPath());
        // Alerts go to the Alertmanager the stack runs.
        JsonNode alertmanagers = prometheusData("/api/v1/alertmanagers").path("activeAlertmanagers");
        assertEquals("http://localhost:" + scrapedPort("alertmanager") + "/api/v2/alerts",
                alertmanagers.path(0).path("url").asText(), alertmanagers.toString());
    }

    @Test
    void everyLocalTargetIsUp() {
        Set<String> absentJobs = OPTIONAL.stream().filter(name -> !installed.contains(name)).collect(Collectors.toSet());
        absentJobs.add("promtail"); // the local stack ships logs with Alloy only
        JsonNode targets = await("every target of a started component up", () -> {
            JsonNode active = prometheus.targets().path("activeTargets");
            return list(active).stream().filter(t -> !absentJobs.contains(component(job(t))))
                    .allMatch(t -> "up".equals(t.path("health").asText())) ? active : null;
        });
        Set<String> jobsUp = list(targets).stream().filter(t -> "up".equals(t.path("health").asText()))
                .map(StackModeIT::job).map(StackModeIT::component).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>(ALWAYS_UP_JOBS);
        expected.addAll(installed);
        assertEquals(expected, jobsUp);
        Set<String> services = list(targets).stream().filter(t -> "app".equals(job(t)))
                .map(t -> t.path("labels").path("service").asText()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("webapi", "webapp"), services);
        for (JsonNode target : targets) {
            String host = URI.create(target.path("scrapeUrl").asText()).getHost();
            assertTrue(Set.of("127.0.0.1", "localhost").contains(host), target.toString());
        }
    }

    /** The optional component a job scrapes: its name, or its name before a dash (jaeger-spanmetrics is Jaeger's). */
    private static String component(String job) {
        int dash = job.indexOf('-');
        return dash > 0 && OPTIONAL.contains(job.substring(0, dash)) ? job.substring(0, dash) : job;
    }

    @Test
    void everyRuleGroupOfTheRepositoryIsLoadedAndEvaluatesWithoutError() {
        Map<String, Integer> expected = new TreeMap<>();
        for (Path file : AlertRules.ruleFiles()) {
            for (JsonNode group : ObservabilityFiles.yaml(ObservabilityFiles.dir().relativize(file).toString()).path("groups")) {
                expected.put(group.path("name").asText(), group.path("rules").size());
            }
        }
        assertFalse(expected.isEmpty());
        JsonNode groups = await("every rule evaluated once, without error", () -> {
            JsonNode loaded = prometheus.rules().path("groups");
            boolean allOk = list(loaded).stream().flatMap(g -> list(g.path("rules")).stream())
                    .allMatch(r -> "ok".equals(r.path("health").asText()));
            return allOk ? loaded : null;
        });
        Map<String, Integer> loaded = new TreeMap<>();
        for (JsonNode group : groups) {
            loaded.put(group.path("name").asText(), group.path("rules").size());
        }
        assertEquals(expected, loaded);
    }

    @Test
    void exemplarsOfTheServersRequestsAreStored() {
        long now = System.currentTimeMillis() / 1000;
        JsonNode exemplars = await("an exemplar with a trace_id", () -> {
            Http.get(Http.APP + "/webapp/service");
            JsonNode data = prometheus.exemplars("http_server_request_duration_seconds_bucket", now - 600, now + 600);
            return list(data).stream().flatMap(s -> list(s.path("exemplars")).stream())
                    .anyMatch(e -> e.path("labels").path("trace_id").asText().matches("[0-9a-f]{32}")) ? data : null;
        });
        assertFalse(exemplars.isEmpty());
    }

    @Test
    void alertmanagerRunsTheCommittedRoutesAlone() throws IOException {
        JsonNode status = JSON.readTree(Http.get("http://127.0.0.1:" + scrapedPort("alertmanager") + "/api/v2/status").body());
        assertEquals("disabled", status.path("cluster").path("status").asText(), status.toString());
        JsonNode running = YAML.readTree(status.path("config").path("original").asText());
        JsonNode committed = ObservabilityFiles.yaml("alertmanager/alertmanager.yml");
        assertEquals(committed.path("route").path("receiver"), running.path("route").path("receiver"));
        assertEquals(committed.path("route").path("routes").size(), running.path("route").path("routes").size());
        assertEquals(committed.path("inhibit_rules").size(), running.path("inhibit_rules").size());
        assertEquals(names(committed.path("receivers")), names(running.path("receivers")));
    }

    @Test
    void blackboxProbesHealthWithTheCommittedModule() {
        String probe = "http://127.0.0.1:" + scrapedPort("blackbox") + "/probe?module=http_health&target=";
        String health = Http.get(probe + Http.MANAGEMENT + "/health/ready").body();
        assertTrue(health.lines().anyMatch("probe_success 1"::equals), health);
        // A 200 without {"status":"UP"} is no health: the module checks the body too.
        String notHealth = Http.get(probe + Http.APP + "/webapp/").body();
        assertTrue(notHealth.lines().anyMatch("probe_success 0"::equals), notHealth);
    }

    @Test
    void everyPrintedUrlAnswers() {
        List<String> urls = new ArrayList<>();
        Matcher matcher = URL.matcher(output());
        while (matcher.find()) {
            urls.add(matcher.group().replaceFirst("#.*$", ""));
        }
        // The alerts page of the UI this Prometheus serves (the Debian package's: only the classic one, /classic/).
        assertTrue(urls.stream().anyMatch(u -> u.matches("http://127\\.0\\.0\\.1:" + prometheusPort + "(/classic)?/alerts")),
                urls.toString());
        if (installed.contains("grafana")) {
            assertTrue(urls.stream().anyMatch(u -> u.contains("/dashboards/f/")), urls.toString());
        }
        if (installed.contains("jaeger")) {
            assertTrue(urls.stream().anyMatch(u -> u.endsWith("/search")), urls.toString());
        }
        for (String url : urls) {
            HttpResponse<String> response = Http.get(url);
            assertEquals(200, response.statusCode(), url);
            assertFalse(response.body().isBlank(), url);
        }
    }

    /** Not run where none of them is installed (as on the build machine): each is asserted on its own answer. */
    @Test
    void optionalComponentsThatStartedAnswer() throws IOException {
        assumeFalse(installed.isEmpty(), "none of " + OPTIONAL + " is installed here");
        if (installed.contains("loki")) {
            assertEquals("ready", Http.get("http://127.0.0.1:" + scrapedPort("loki") + "/ready").body().strip());
        }
        if (installed.contains("grafana")) {
            String base = "http://127.0.0.1:" + scrapedPort("grafana");
            assertEquals("ok", JSON.readTree(Http.get(base + "/api/health").body()).path("database").asText());
            String password = Files.readString(WORK.resolve("state/grafana/admin-password")).strip();
            String auth = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes());
            JsonNode dashboards = JSON.readTree(Http.get(base + "/api/search?type=dash-db", "Authorization", auth).body());
            assertEquals(ObservabilityFiles.list("grafana/dashboards", ".json").size(), dashboards.size(), dashboards.toString());
        }
        if (installed.contains("jaeger")) {
            assertTrue(output().contains("\nup: jaeger"), output());
        }
        if (installed.contains("alloy")) {
            assertTrue(output().contains("\nup: alloy"), output());
        }
    }

    /** Last: what Ctrl-C does, as a SIGTERM to the script. Every process it started ends, none is left behind. */
    @Test
    @Order(Integer.MAX_VALUE)
    void sigtermStopsEveryProcessItStarted() throws InterruptedException {
        List<ProcessHandle> children = stack.toHandle().descendants().toList();
        Set<String> commands = children.stream().map(p -> p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(commands.containsAll(Set.of("prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter", "java")),
                commands.toString());
        stack.destroy(); // SIGTERM
        assertTrue(stack.waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "stack.sh still running after " + STOP);
        assertEquals(143, stack.exitValue(), output());
        assertTrue(output().contains("\nstopped: "), output());
        List<ProcessHandle> left = await("no process of the stack left", () -> {
            List<ProcessHandle> alive = children.stream().filter(ProcessHandle::isAlive).toList();
            return alive.isEmpty() ? alive : null;
        });
        assertEquals(List.of(), left);
        List<Integer> ports = new ArrayList<>(List.of(prometheusPort, scrapedPort("alertmanager"), scrapedPort("blackbox")));
        Set.of(Http.APP, Http.MANAGEMENT, Http.WEBAPP_METRICS, Http.WEBAPI_METRICS).forEach(u -> ports.add(URI.create(u).getPort()));
        for (int port : ports) {
            assertFalse(listening(port), "port " + port + " still served");
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------------

    /** Polls until the probe returns non-null (or true), within STARTUP; a probe that throws is retried. */
    private static <T> T await(String what, java.util.function.Supplier<T> probe) {
        Object[] last = {null};
        Await.until(STARTUP, () -> {
            try {
                T value = probe.get();
                last[0] = value;
                return value != null && !Boolean.FALSE.equals(value);
            } catch (AssertionError | RuntimeException e) {
                if (!stack.isAlive()) {
                    throw new AssertionError("stack.sh exited " + stack.exitValue() + ":\n" + output(), e);
                }
                last[0] = null;
                return false;
            }
        }, done -> done, what);
        @SuppressWarnings("unchecked")
        T value = (T) last[0];
        return value;
    }

    /** The port of the static target prometheus.yml scrapes for a job of the monitoring host. */
    private static int scrapedPort(String job) {
        for (JsonNode config : ObservabilityFiles.yaml("prometheus/prometheus.yml").path("scrape_configs")) {
            if (job.equals(config.path("job_name").asText())) {
                String target = config.path("static_configs").path(0).path("targets").path(0).asText();
                return Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
            }
        }
        throw new AssertionError("no job " + job + " in prometheus.yml");
    }

    /** A scalar of an Ansible role's defaults with its {{ key }} references rendered. */
    private static String roleDefault(String role, String key) {
        try {
            JsonNode defaults = YAML.readTree(REPO.resolve("ansible/roles/" + role + "/defaults/main.yml").toFile());
            String value = defaults.path(key).asText();
            Matcher ref;
            while ((ref = Pattern.compile("\\{\\{\\s*([a-z_]+)\\s*}}").matcher(value)).find()) {
                value = value.replace(ref.group(), defaults.path(ref.group(1)).asText());
            }
            assertFalse(value.isBlank(), role + " has no " + key);
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode prometheusData(String path) throws IOException {
        JsonNode body = JSON.readTree(Http.get("http://127.0.0.1:" + prometheusPort + path).body());
        assertEquals("success", body.path("status").asText(), body.toString());
        return body.path("data");
    }

    private static Optional<Path> onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static String output() {
        try {
            return "\n" + Files.readString(OUTPUT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(String text) {
        return text.lines().toList();
    }

    private static Set<String> names(JsonNode receivers) {
        return list(receivers).stream().map(r -> r.path("name").asText()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String job(JsonNode target) {
        return target.path("labels").path("job").asText();
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
