package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import org.wildfly.mlt.observability.AlertRules;
import org.wildfly.mlt.observability.ExternalTool;
import org.wildfly.mlt.observability.ObservabilityFiles;

/**
 * The real Prometheus (exemplar storage on) with the committed prometheus.yml and rules, scraping the server under
 * test. A copy of prometheus.yml changes only what is per site: the targets (file_sd files for this host), the ports
 * of the stack (given) and the intervals (2 s, so that the tests take seconds).
 */
public final class LivePrometheus implements AutoCloseable {

    private final ExternalProcess process;
    private final PrometheusApi api;

    private LivePrometheus(ExternalProcess process, PrometheusApi api) {
        this.process = process;
        this.api = api;
    }

    /** Prepares a fresh work directory and starts Prometheus there, once it answers ready. */
    public static LivePrometheus start(Path work, int port, int blackboxPort, int alertmanagerPort) {
        try {
            deleteRecursively(work);
            Files.createDirectories(work.resolve("prometheus/file_sd"));
            Files.createDirectories(work.resolve("prometheus/rules"));
            for (Path rules : AlertRules.ruleFiles()) {
                Files.copy(rules, work.resolve("prometheus/rules").resolve(rules.getFileName()));
            }
            Files.writeString(work.resolve("prometheus/prometheus.yml"), ObservabilityFiles.read("prometheus/prometheus.yml")
                    .replace("scrape_interval: 15s", "scrape_interval: 2s")
                    .replace("scrape_timeout: 10s", "scrape_timeout: 2s")
                    .replace("evaluation_interval: 15s", "evaluation_interval: 2s")
                    .replace("localhost:9090", "127.0.0.1:" + port)
                    .replace("localhost:9115", "127.0.0.1:" + blackboxPort)
                    .replace("localhost:9093", "127.0.0.1:" + alertmanagerPort));
            // One job for the application services, a target group per service (file_sd/app.yml, as Ansible renders it).
            writeTargets(work, "app", Map.of("webapp", authority(Http.WEBAPP_METRICS), "webapi", authority(Http.WEBAPI_METRICS)));
            writeTargets(work, "wildfly", Map.of("wildfly", authority(Http.MANAGEMENT)));
            Files.writeString(work.resolve("prometheus/file_sd/promtail.yml"), "[]\n");
            Files.writeString(work.resolve("prometheus/file_sd/alloy.yml"), "[]\n");
            // No postgres_exporter here (the database host's, on the VMs): its job has no targets.
            Files.writeString(work.resolve("prometheus/file_sd/postgres.yml"), "[]\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalProcess process = ExternalProcess.start(ExternalTool.PROMETHEUS, work,
                "--config.file=" + work.resolve("prometheus/prometheus.yml"),
                "--storage.tsdb.path=" + work.resolve("prometheus-data"),
                "--web.listen-address=127.0.0.1:" + port, "--enable-feature=exemplar-storage")
                .awaitHttp("http://127.0.0.1:" + port + "/-/ready");
        return new LivePrometheus(process, new PrometheusApi("http://127.0.0.1:" + port));
    }

    public PrometheusApi api() {
        return api;
    }

    @Override
    public void close() {
        process.close();
    }

    /** file_sd/FILE.yml with one target group per service (name to host:port). */
    private static void writeTargets(Path work, String file, Map<String, String> targets) throws IOException {
        StringBuilder groups = new StringBuilder();
        new TreeMap<>(targets).forEach((service, target) -> groups.append("- targets: ['").append(target)
                .append("']\n  labels: {env: test, service: ").append(service).append(", host: it-host}\n"));
        Files.writeString(work.resolve("prometheus/file_sd/" + file + ".yml"), groups);
    }

    private static String authority(String url) {
        return URI.create(url).getAuthority();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
