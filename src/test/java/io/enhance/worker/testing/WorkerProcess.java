package io.enhance.worker.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The packaged worker jar running as its own OS process, as in production. */
public final class WorkerProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration READINESS_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final int httpPort;

    private WorkerProcess(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    /** Starts {@code target/quarkus-app/quarkus-run.jar} with {@code environment} and waits until it is ready. */
    public static WorkerProcess start(Map<String, String> environment, File log) throws IOException {
        return start(environment, log, freePort());
    }

    /** The same on a given HTTP port, for a worker whose public URL must be known before it starts. */
    public static WorkerProcess start(Map<String, String> environment, File log, int port) throws IOException {
        String jar = System.getProperty("worker.jar", "target/quarkus-app/quarkus-run.jar");
        ProcessBuilder builder = new ProcessBuilder("java", "-jar", jar)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        builder.environment().putAll(environment);
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        WorkerProcess worker = new WorkerProcess(builder.start(), port);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!worker.process.isAlive()) {
                throw new AssertionError("worker exited with " + worker.process.exitValue() + "; see " + log);
            }
            return worker.readiness() == 200;
        });
        return worker;
    }

    /** The HTTP status of {@code /q/health/ready} now (200 ready, 503 not), or -1 if it does not answer. */
    public int readiness() throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                    .timeout(READINESS_TIMEOUT).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notAnswering) {
            return -1;
        }
    }

    /**
     * Runs the jar with {@code arguments} (a command and its options, none for the worker), with
     * {@code environment} and without {@code unset}, until it exits; returns its exit code.
     */
    public static int runToExit(Map<String, String> environment, List<String> unset, File log,
            Duration timeout, String... arguments) throws IOException, InterruptedException {
        String jar = System.getProperty("worker.jar", "target/quarkus-app/quarkus-run.jar");
        List<String> command = new ArrayList<>(List.of("java", "-jar", jar));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log));
        unset.forEach(builder.environment()::remove);
        builder.environment().putAll(environment);
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(freePort()));
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("worker still running after " + timeout + "; see " + log);
        }
        return process.exitValue();
    }

    /** SIGTERM, as an orchestrator stops a worker; returns how long the process took to exit. */
    public Duration terminate() throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        process.waitFor();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** SIGKILL: no shutdown hook, no graceful anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** The OS process id, to read its CPU time and memory. */
    public long pid() {
        return process.pid();
    }

    public int httpPort() {
        return httpPort;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
