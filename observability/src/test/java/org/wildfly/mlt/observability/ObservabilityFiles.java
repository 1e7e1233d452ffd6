package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The observability/ folder of this repository, found from the working directory of whichever module runs the test
 * (observability itself, or integration-tests next to it), or given as -Dobservability.dir.
 */
public final class ObservabilityFiles {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path DIR = locate();

    private ObservabilityFiles() {
    }

    public static Path dir() {
        return DIR;
    }

    public static Path path(String relative) {
        return DIR.resolve(relative);
    }

    public static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode yaml(String relative) {
        return parse(YAML, path(relative));
    }

    public static JsonNode json(Path file) {
        return parse(JSON, file);
    }

    /** Files directly in a folder of observability/ whose name ends with the suffix, sorted. */
    public static List<Path> list(String folder, String suffix) {
        try (Stream<Path> files = Files.list(path(folder))) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new AssertionError("Cannot parse " + DIR.relativize(file) + ": " + e.getMessage(), e);
        }
    }

    private static Path locate() {
        String configured = System.getProperty("observability.dir");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir, dir.resolve("observability"))) {
                if (candidate.getFileName() != null && candidate.getFileName().toString().equals("observability")
                        && Files.isRegularFile(candidate.resolve("prometheus/prometheus.yml"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("No observability/ folder above " + Path.of("").toAbsolutePath()
                + "; set -Dobservability.dir");
    }
}
