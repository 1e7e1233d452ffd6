package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.wildfly.mlt.observability.ExternalTool;

/**
 * A real server binary the tests run beside WildFly (Prometheus, Alertmanager, the blackbox exporter), on loopback,
 * its output kept in a file for post-mortems.
 */
public final class ExternalProcess implements AutoCloseable {

    private final ExternalTool tool;
    private final Process process;
    private final Path log;

    private ExternalProcess(ExternalTool tool, Process process, Path log) {
        this.tool = tool;
        this.process = process;
        this.log = log;
    }

    public static ExternalProcess start(ExternalTool tool, Path workDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(tool.executable().toString());
        command.addAll(List.of(args));
        Path log = workDir.resolve(tool.name().toLowerCase() + ".log");
        try {
            Process process = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new ExternalProcess(tool, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the process answers 200 on the URL; fails with its log's path if it dies first. */
    public ExternalProcess awaitHttp(String url) {
        Await.until(Duration.ofSeconds(30), () -> {
            if (!process.isAlive()) {
                throw new AssertionError(tool + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                return Http.get(url).statusCode();
            } catch (RuntimeException notYet) {
                return -1;
            }
        }, status -> status == 200, tool + " at " + url);
        return this;
    }

    public static int freePort() {
        return freePorts(1)[0];
    }

    /** Distinct free loopback ports: all sockets are held open together, so the kernel cannot hand one out twice. */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is released either way
                }
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
