package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JSON log rotated many times while /service requests flow: no line lost, none written twice, none cut. The
 * operator's knob is used for it: the handler's rotate-size, changed at run time through the management API, and
 * restored afterwards. How many rotations to expect is derived from the bytes written, not from an assumed line size.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class LogRotationIT {

    private static final ModelNode JSON_FILE = Operations.createAddress("subsystem", "logging",
            "size-rotating-file-handler", "JSON_FILE");
    private static final int REQUESTS = 2000;
    private static final int CONCURRENCY = 4;
    /** Small enough for many rotations: each request writes two lines of several hundred bytes. */
    private static final long ROTATE_SIZE = 100 * 1024;
    private static final int MAX_BACKUPS = 500;
    /** The two lines each /service request writes: webapp's result and webapi's (the first may log more, once). */
    private static final List<String> LOGGERS_PER_REQUEST = List.of(
            "org.wildfly.mlt.webapp.Calculator", "org.wildfly.mlt.webapi.AddResource");

    @Test
    void everyRequestLineIsInTheRotatedFilesExactlyOnceAndWhole() {
        int filesBefore = ServerLog.files().size();
        long bytesBefore = ServerLog.bytes();
        String rotateSize = read("rotate-size");
        String maxBackupIndex = read("max-backup-index");
        List<String> ids = IntStream.range(0, REQUESTS).mapToObj(i -> "rotation-" + i + "-" + UUID.randomUUID()).toList();
        // Enough backups are kept for none to be deleted during the test, so every byte written is still on disk.
        write("max-backup-index", String.valueOf(MAX_BACKUPS));
        write("rotate-size", String.valueOf(ROTATE_SIZE));
        try {
            Load.Result result = Load.closedLoop(Http.APP + "/webapp/service", ids, CONCURRENCY);
            assertTrue(result.onlyOk(), result.toString());
        } finally {
            write("rotate-size", rotateSize);
            write("max-backup-index", maxBackupIndex);
        }

        int rotations = ServerLog.files().size() - filesBefore;
        long written = ServerLog.bytes() - bytesBefore;
        // A file is rotated once it has passed rotate-size, so a closed file holds at most rotate-size plus one line:
        // what was written needs at least that many rotations, less one (the file open at the start and the current
        // one hold the remainder).
        long expectedAtLeast = written / (ROTATE_SIZE + ServerLog.longestLineBytes()) - 1;
        assertTrue(expectedAtLeast >= 2, "too little written to prove rotation: " + written + " bytes");
        assertTrue(rotations >= expectedAtLeast && rotations < MAX_BACKUPS,
                rotations + " rotations for " + written + " bytes at rotate-size " + ROTATE_SIZE);
        Set<String> sent = new HashSet<>(ids);
        // Parsing every line of every file is the "none is cut" check: a cut line is not a JSON object.
        Map<String, List<JsonNode>> linesById = ServerLog.lines().stream()
                .filter(line -> sent.contains(ServerLog.mdc(line, "request_id")))
                .collect(Collectors.groupingBy(line -> ServerLog.mdc(line, "request_id")));
        for (String id : ids) {
            List<String> loggers = linesById.getOrDefault(id, List.of()).stream()
                    .map(line -> line.path("loggerName").asText()).filter(LOGGERS_PER_REQUEST::contains).sorted().toList();
            assertEquals(LOGGERS_PER_REQUEST.stream().sorted().toList(), loggers, "log lines of request " + id);
        }
    }

    private static String read(String attribute) {
        return Management.execute(Operations.createReadAttributeOperation(JSON_FILE, attribute)).asString();
    }

    private static void write(String attribute, String value) {
        Management.execute(Operations.createWriteAttributeOperation(JSON_FILE, attribute, value));
    }
}
