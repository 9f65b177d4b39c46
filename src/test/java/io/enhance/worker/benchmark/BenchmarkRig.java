package io.enhance.worker.benchmark;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.enhance.worker.testing.WorkerProcess;

/**
 * One benchmark scenario's world: the emulator (from the packaged jar) and the S3 stand-in each in a
 * process of its own, so that their CPU is counted apart; a fresh schema and fresh queues on the real
 * PostgreSQL and RabbitMQ; a consumer of every event; a few distinct source images in S3.
 */
final class BenchmarkRig implements AutoCloseable {

    static final int DISTINCT_SOURCES = 4;
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The environment the production image sets: each {@code ENV NAME="value"} line of {@code deploy/Dockerfile}. */
    static final Map<String, String> IMAGE_ENVIRONMENT = imageEnvironment();

    final String requests;
    final String schema;
    final TestBroker broker;
    final List<String> sources = new ArrayList<>();
    final Process emulator;
    final Process s3;
    final String emulatorUrl;
    final String s3Url;
    private final Connection db;

    /** {@code emulatorSettings} are {@code EMULATOR_*} variables on top of the key, the port and cached outputs. */
    BenchmarkRig(String name, Map<String, String> emulatorSettings) throws Exception {
        String scoped = EmbeddedServices.NAMESPACE + "_" + name;
        schema = "enhance_" + scoped;
        requests = scoped + ".enhance.requests";
        int emulatorPort = WorkerProcess.freePort();
        int s3Port = WorkerProcess.freePort();
        emulatorUrl = "http://127.0.0.1:" + emulatorPort;
        s3Url = "http://127.0.0.1:" + s3Port;
        ProcessBuilder emulatorCommand = new ProcessBuilder("java", "-jar", workerJar(), "emulator");
        emulatorCommand.environment().putAll(Map.of("EMULATOR_PORT", String.valueOf(emulatorPort),
                "EMULATOR_API_KEY", PackagedWorkerRig.API_KEY, "EMULATOR_CACHE_OUTPUTS", "true"));
        emulatorCommand.environment().putAll(emulatorSettings);
        emulator = start(emulatorCommand, name + "-emulator");
        s3 = start(new ProcessBuilder("java", "-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), MemoryS3.class.getName(), String.valueOf(s3Port)), name + "-s3");
        try {
            prepare(s3Port);
        } catch (Exception | AssertionError e) {
            emulator.destroyForcibly();
            s3.destroyForcibly();
            throw e;
        }
        broker = TestBroker.listeningTo(requests.replace(".requests", ".events"));
        broker.deleteQueues(requests, requests + ".dlq");
        db = DriverManager.getConnection(DB_URL);
        db.createStatement().execute("drop schema if exists " + schema + " cascade");
        // the worker creates the schema; until then the path names one that does not exist yet, which PostgreSQL allows
        db.createStatement().execute("set search_path to " + schema);
    }

    private void prepare(int s3Port) throws Exception {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            new Socket("127.0.0.1", s3Port).close();
            return emulatorJson("/emulator/slots") != null;
        });
        TestS3 store = TestS3.connect(URI.create(s3Url)).createBuckets("enhanced", TestS3.SOURCES_BUCKET);
        for (int variant = 0; variant < DISTINCT_SOURCES; variant++) {
            sources.add(store.putSource("card-" + variant + ".png", TestImages.card(32, 32, variant)));
        }
    }

    /** Only the settings a worker cannot start without, plus {@code extra}. */
    Map<String, String> workerEnvironment(Map<String, String> extra) {
        Map<String, String> env = PackagedWorkerRig.requiredEnvironment(schema, requests, emulatorUrl, s3Url);
        env.putAll(extra);
        // launched the documented way, in deploy/Dockerfile's environment, with any JVM options given added, e.g.
        // -Dbenchmark.worker-java-options=-XX:StartFlightRecording=settings=profile to profile the worker alone
        env.putAll(IMAGE_ENVIRONMENT);
        env.put("JDK_JAVA_OPTIONS", (IMAGE_ENVIRONMENT.get("JDK_JAVA_OPTIONS") + " "
                + System.getProperty("benchmark.worker-java-options", "")).trim());
        return env;
    }

    WorkerProcess startWorker(Map<String, String> extra, String name) throws IOException {
        File log = new File("target/benchmark-" + name + "-worker.log");
        log.delete();
        return WorkerProcess.start(workerEnvironment(extra), log);
    }

    /** The same, with webhooks to the worker's own port. */
    WorkerProcess startWorkerWithWebhooks(Map<String, String> extra, String name) throws IOException {
        File log = new File("target/benchmark-" + name + "-worker.log");
        log.delete();
        int port = WorkerProcess.freePort();
        Map<String, String> env = workerEnvironment(extra);
        env.put("WAVESPEED_WEBHOOK_URL", "http://127.0.0.1:" + port);
        return WorkerProcess.start(env, log, port);
    }

    /** A job request for the {@code index}th job, its source one of the few distinct images, so outputs are cached. */
    byte[] job(String batch, int index) {
        return JobRequestBuilder.job(batch + "/" + index, sources.get(index % sources.size()))
                .batch(batch).bytes();
    }

    JsonNode emulatorJson(String path) throws IOException, InterruptedException {
        return JSON.readTree(getOk(HttpRequest.newBuilder(URI.create(emulatorUrl + path)), path));
    }

    /** The single number {@code sql} answers, in this scenario's schema. */
    long count(String sql) throws SQLException {
        try (var rows = db.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** How long the worker on {@code port} takes to answer a GET of {@code path} with 200, in milliseconds. */
    long millisToAnswer(int port, String path, String token) throws IOException, InterruptedException {
        long start = System.nanoTime();
        getOk(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token),
                path);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The worker's {@code /q/metrics}, as Prometheus scrapes it. */
    String workerMetrics(int port, String token) throws IOException, InterruptedException {
        return new String(getOk(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .header("Authorization", "Bearer " + token), "/q/metrics"), StandardCharsets.UTF_8);
    }

    /** The body of a GET that must answer 200 within 30 s. */
    private static byte[] getOk(HttpRequest.Builder request, String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException(path + " answered " + response.statusCode());
        }
        return response.body();
    }

    void execute(String sql) throws SQLException {
        db.createStatement().execute(sql);
    }

    private static Process start(ProcessBuilder command, String name) throws IOException {
        File log = new File("target/benchmark-" + name + ".log");
        return command.redirectErrorStream(true).redirectOutput(log).start();
    }

    private static Map<String, String> imageEnvironment() {
        try {
            Matcher env = Pattern.compile("(?m)^ENV (\\w+)=\"([^\"]*)\"$").matcher(Files.readString(Path.of("deploy/Dockerfile")));
            Map<String, String> settings = new HashMap<>();
            while (env.find()) {
                settings.put(env.group(1), env.group(2));
            }
            if (!settings.containsKey("JDK_JAVA_OPTIONS")) {
                throw new IllegalStateException("deploy/Dockerfile sets no JDK_JAVA_OPTIONS");
            }
            return Map.copyOf(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String workerJar() {
        return System.getProperty("worker.jar", "target/quarkus-app/quarkus-run.jar");
    }

    @Override
    public void close() throws Exception {
        try (Connection closingDb = db; TestBroker closingBroker = broker) {
            for (Process process : List.of(emulator, s3)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
