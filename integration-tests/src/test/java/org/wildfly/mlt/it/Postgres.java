package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * TEST FIXTURE: a real PostgreSQL (the distribution's package, /usr/lib/postgresql/N/bin) in a temporary directory
 * on loopback, for the server under test (its datasource is pointed here by arquillian.xml). initdb refuses to run as
 * root, so as root every PostgreSQL command runs as the user postgres (runuser). Started once before the first test
 * ({@link PostgresSession}), stopped after the last; tests stop and start it to play a database outage.
 */
public final class Postgres {

    public static final String DATABASE = "webapi";
    public static final String USER = "webapi";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private static Postgres instance;

    private final Path bin;
    private final Path dir;
    private final int port;
    private final String password = UUID.randomUUID().toString();

    private Postgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** The running instance; started by PostgresSession before the first test. */
    public static synchronized Postgres get() {
        if (instance == null) {
            throw new IllegalStateException("PostgreSQL was not started by PostgresSession");
        }
        return instance;
    }

    static synchronized Postgres startOnce() {
        if (instance == null) {
            instance = create();
        }
        return instance;
    }

    static synchronized void stopIfStarted() {
        if (instance != null) {
            instance.stop();
            instance.run(false, "rm", "-rf", instance.dir.toString());
            instance = null;
        }
    }

    private static Postgres create() {
        try {
            Path dir = Files.createTempDirectory("it-postgres-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Postgres postgres = new Postgres(binaries(), dir, ExternalProcess.freePort());
            if (runningAsRoot()) {
                UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(dir, owner);
            }
            postgres.run(true, postgres.tool("initdb"), "-D", dir.resolve("data").toString(), "-U", "postgres",
                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-instructions");
            postgres.start();
            postgres.sql("postgres", "CREATE ROLE " + USER + " LOGIN PASSWORD '" + postgres.password + "'");
            postgres.sql("postgres", "CREATE DATABASE " + DATABASE + " OWNER " + USER);
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the server's datasource needs (system properties, read by datasource.cli's expressions). */
    public List<String> serverProperties() {
        return List.of("-Dmlt.db.driver=postgresql",
                "-Dmlt.db.url=" + jdbcUrl(),
                "-Dmlt.db.user=" + USER,
                "-Dmlt.db.password=" + password);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public void start() {
        run(true, tool("pg_ctl"), "-D", dir.resolve("data").toString(), "-l", dir.resolve("postgres.log").toString(),
                "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir, "start");
    }

    /** Stops at once: open connections are cut, as when the database host goes away. */
    public void stop() {
        run(true, tool("pg_ctl"), "-D", dir.resolve("data").toString(), "-w", "-t", "60", "-m", "fast", "stop");
    }

    /** Runs SQL as the superuser over the Unix socket and returns psql's unaligned output, one row a line. */
    public String sql(String database, String statement) {
        return run(true, tool("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", dir.toString(),
                "-p", String.valueOf(port), "-U", "postgres", "-d", database, "-c", statement).strip();
    }

    private String tool(String name) {
        return bin.resolve(name).toString();
    }

    private String run(boolean check, String... command) {
        List<String> line = new ArrayList<>();
        if (runningAsRoot()) {
            line.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        line.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("Timed out: " + line);
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (check && process.exitValue() != 0) {
                throw new AssertionError(line + " exited with " + process.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The newest PostgreSQL server installed by the distribution's packages (-Dpostgres.bin to choose another). */
    private static Path binaries() throws IOException {
        String chosen = System.getProperty("postgres.bin", "");
        if (!chosen.isBlank()) {
            return Path.of(chosen);
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            throw new AssertionError("PostgreSQL is not installed (scripts/install-prerequisites.sh installs it)");
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
                    .map(v -> v.resolve("bin"))
                    .orElseThrow(() -> new AssertionError("No initdb under " + root));
        }
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
