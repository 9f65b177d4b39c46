package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.WaveSpeedEmulator;
import io.enhance.worker.local.EmbeddedS3Store;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.enhance.worker.testing.WorkerProcess;

/** Kills the packaged worker while predictions are in flight upstream; a new process finishes every job exactly once. */
class WorkerRestartIT {

    private static final String SCHEMA = "enhance_it";
    private static final String REQUESTS = "it.enhance.requests";
    private static final String EVENTS = "it.enhance.events";
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final int JOBS = 20;

    @Test
    void completesEveryJobExactlyOnceAfterTheWorkerIsKilledWithPredictionsInFlight() throws Exception {
        try (WaveSpeedEmulator emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                .setApiKey(EmbeddedServices.API_KEY).setMinLatencyMs(4000).setMaxLatencyMs(6000));
                EmbeddedS3Store store = EmbeddedS3Store.inMemory(0, EmbeddedServices.S3_ACCESS_KEY,
                        EmbeddedServices.S3_SECRET_KEY);
                TestBroker broker = TestBroker.listeningTo(EVENTS);
                Connection db = DriverManager.getConnection(DB_URL)) {
            db.createStatement().execute("drop schema if exists " + SCHEMA + " cascade");
            broker.deleteQueues(REQUESTS, REQUESTS + ".dlq");
            TestS3 s3 = TestS3.connect(store.endpoint()).createBuckets("enhanced", TestS3.SOURCES_BUCKET);
            Map<String, String> environment = workerEnvironment(emulator, store);
            File log = new File("target/worker-restart-it.log");

            WorkerProcess first = WorkerProcess.start(environment, log);
            for (int i = 0; i < JOBS; i++) {
                String source = s3.putSource("restart/" + i + ".png", TestImages.card(24, 24, i));
                broker.publish(REQUESTS, job("restart/" + i, source).batch("restart").bytes());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> count(db, "status in ('SUBMITTED', 'PROCESSING')") == JOBS);
            first.kill();
            assertThat(count(db, "status = 'COMPLETED'")).isZero();
            assertThat(emulator.predictionCount()).isEqualTo(JOBS);

            try (WorkerProcess second = WorkerProcess.start(environment, log)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> broker.events().size() >= JOBS);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).until(() ->
                        broker.events().size() == JOBS && count(db, "status = 'COMPLETED'") == JOBS);
            }
            for (int i = 0; i < JOBS; i++) {
                assertThat(broker.eventsFor("restart/" + i)).as("events of job %d", i).hasSize(1)
                        .allMatch(e -> e.routingKey().equals("job.completed"));
            }
            assertThat(emulator.submissions()).hasSize(JOBS);
            assertThat(emulator.submissions().stream().map(s -> s.body().path("prompt").asText()).distinct()).hasSize(JOBS);
        }
    }

    private static Map<String, String> workerEnvironment(WaveSpeedEmulator emulator, EmbeddedS3Store store) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=" + SCHEMA);
        env.put("QUARKUS_FLYWAY_SCHEMAS", SCHEMA);
        env.put("QUEUES_REQUESTS", REQUESTS);
        env.put("QUEUES_DEAD_LETTER", REQUESTS + ".dlq");
        env.put("QUEUES_EVENTS_EXCHANGE", EVENTS);
        env.put("WAVESPEED_BASE_URL", emulator.baseUrl());
        env.put("WAVESPEED_API_KEY", EmbeddedServices.API_KEY);
        env.put("WAVESPEED_FIRST_POLL_DELAY", "500ms");
        env.put("WAVESPEED_MAX_POLL_DELAY", "1s");
        env.put("S3_ENDPOINT", store.endpoint().toString());
        env.put("S3_REGION", "us-east-1");
        env.put("S3_BUCKET", "enhanced");
        env.put("S3_PATH_STYLE", "true");
        env.put("S3_ACCESS_KEY_ID", EmbeddedServices.S3_ACCESS_KEY);
        env.put("S3_SECRET_ACCESS_KEY", EmbeddedServices.S3_SECRET_KEY);
        env.put("PIPELINE_LEASE_DURATION", "5s");
        return env;
    }

    private static long count(Connection db, String condition) throws SQLException {
        try (ResultSet rows = db.createStatement().executeQuery(
                "select count(*) from " + SCHEMA + ".jobs where " + condition)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
