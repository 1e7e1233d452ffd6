package org.wildfly.mlt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's JSON log (what the log shipper tails), read and parsed line by line: server.log and, oldest first,
 * the files it was rotated into (server.log.1 is the newest of those).
 */
public final class ServerLog {

    public static final Path FILE = Path.of(System.getProperty("server.dir"), "standalone", "log", "server.log");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServerLog() {
    }

    /** Every line of every file, oldest first, parsed; a line that is not one JSON object fails the test. */
    public static List<JsonNode> lines() {
        List<JsonNode> parsed = new ArrayList<>();
        for (Path file : files()) {
            parsed.addAll(parse(file));
        }
        return parsed;
    }

    /** The rotated files, oldest first, then server.log. */
    public static List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (int index = 1; Files.exists(rotated(index)); index++) {
            files.add(0, rotated(index));
        }
        files.add(FILE);
        return files;
    }

    /** The size of all files together: what was written since a rotation is the difference, while none is deleted. */
    public static long bytes() {
        long total = 0;
        for (Path file : files()) {
            try {
                total += Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return total;
    }

    /** The longest line of all files, in bytes with its line end. */
    public static long longestLineBytes() {
        long longest = 0;
        for (Path file : files()) {
            try (var lines = Files.lines(file)) {
                longest = Math.max(longest, lines.mapToLong(line -> line.getBytes(StandardCharsets.UTF_8).length + 1)
                        .max().orElse(0));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return longest;
    }

    private static Path rotated(int index) {
        return FILE.resolveSibling(FILE.getFileName() + "." + index);
    }

    private static List<JsonNode> parse(Path file) {
        List<JsonNode> parsed = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                JsonNode node = JSON.readTree(line);
                if (node == null || !node.isObject()) {
                    throw new AssertionError("Line of " + file.getFileName() + " is not a JSON object: " + line);
                }
                parsed.add(node);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parsed;
    }

    /** The lines written while serving the request with this id. */
    public static List<JsonNode> linesOfRequest(String requestId) {
        return lines().stream().filter(line -> requestId.equals(line.path("mdc").path("request_id").asText())).toList();
    }

    public static String mdc(JsonNode line, String key) {
        return line.path("mdc").path(key).asText(null);
    }
}
