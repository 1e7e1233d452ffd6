package org.wildfly.mlt.observability;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real binaries the static tests run. A missing binary fails the test and names the Debian package to install:
 * a skipped check would look like a passed one.
 */
public enum ExternalTool {
    PROMETHEUS("prometheus", "prometheus"),
    PROMTOOL("promtool", "prometheus"),
    ALERTMANAGER("prometheus-alertmanager", "prometheus-alertmanager"),
    AMTOOL("amtool", "prometheus-alertmanager"),
    BLACKBOX_EXPORTER("prometheus-blackbox-exporter", "prometheus-blackbox-exporter"),
    NODE("node", "nodejs"),
    NPM("npm", "npm");

    /** What a run printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final String command;
    private final String debianPackage;

    ExternalTool(String command, String debianPackage) {
        this.command = command;
        this.debianPackage = debianPackage;
    }

    public Result run(Path workingDir, String... args) {
        List<String> commandLine = new ArrayList<>();
        commandLine.add(executable().toString());
        commandLine.addAll(List.of(args));
        try {
            // Output to a file, not a pipe: a tool that hangs cannot block the read, and the timeout below holds.
            Path output = Files.createTempFile(command, ".out");
            Process process = new ProcessBuilder(commandLine).directory(workingDir.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in 5 minutes: " + commandLine);
            }
            String text = Files.readString(output);
            Files.delete(output);
            return new Result(process.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs and fails the test, with the tool's output, unless it exits 0. */
    public String runOk(Path workingDir, String... args) {
        Result result = run(workingDir, args);
        if (!result.ok()) {
            throw new AssertionError(command + " " + String.join(" ", args) + " exited " + result.exitCode()
                    + ":\n" + result.output());
        }
        return result.output();
    }

    /** The tool's path; fails the test, naming the Debian package, when it is not installed. */
    public Path executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(command + " is not on the PATH. Install it: apt-get install " + debianPackage);
    }
}
