package io.enhance.worker.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.WorkerProcess;

/**
 * Local mode on other ports than 8089 and 8090: the worker reaches its own emulator and S3 store there
 * (and, packaged, serves its OpenAPI document and Swagger UI).
 */
class LocalPortsIT {

    private static final String SCOPE = EmbeddedServices.NAMESPACE + "_local_ports";
    private static final String SCHEMA = "enhance_" + SCOPE;
    private static final String REQUESTS = SCOPE + ".enhance.requests";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void startsReadyWithTheEmulatorAndTheS3StoreOnTheChosenPorts() throws Exception {
        int emulatorPort = WorkerProcess.freePort();
        int s3Port = WorkerProcess.freePort();
        Path storeDirectory = Files.createTempDirectory("local-ports-s3-");
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_PROFILE", "local");
        env.put("LOCAL_EMULATOR_PORT", String.valueOf(emulatorPort));
        env.put("LOCAL_S3_STORE_PORT", String.valueOf(s3Port));
        env.put("LOCAL_S3_STORE_DIRECTORY", storeDirectory.toString());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=" + SCHEMA);
        env.put("QUARKUS_FLYWAY_SCHEMAS", SCHEMA);
        env.put("QUEUES_REQUESTS", REQUESTS);
        env.put("QUEUES_DEAD_LETTER", REQUESTS + ".dlq");
        env.put("QUEUES_EVENTS_EXCHANGE", SCOPE + ".enhance.events");
        File log = new File("target/local-ports-it.log");
        Files.deleteIfExists(log.toPath());

        try (WorkerProcess worker = WorkerProcess.start(env, log)) {
            HttpResponse<String> ready = get(worker.httpPort(), "/q/health/ready", null);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"wavespeed-account\"", "\"s3\"").doesNotContain("\"DOWN\"");
            assertThat(get(emulatorPort, "/api/v3/balance", "local-emulator-key").body()).contains("\"balance\"");
            // the store answers as S3 does to an unsigned request, and holds the bucket the worker made
            assertThat(get(s3Port, "/enhanced", null).body()).contains("<Error>");
            assertThat(storeDirectory.resolve("enhanced")).isDirectory();
            // the packaged worker describes its API and serves Swagger UI, neither needing the token
            assertThat(get(worker.httpPort(), "/q/openapi", null).body()).contains("/api/jobs/{job_id}/cancel", "bearer");
            assertThat(get(worker.httpPort(), "/q/swagger-ui/", null).body()).contains("swagger-ui");
        } finally {
            try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
                    TestBroker broker = TestBroker.listeningTo(SCOPE + ".enhance.events")) {
                db.createStatement().execute("drop schema if exists " + SCHEMA + " cascade");
                broker.deleteQueues(REQUESTS, REQUESTS + ".dlq");
            }
        }
    }

    private HttpResponse<String> get(int port, String path, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
