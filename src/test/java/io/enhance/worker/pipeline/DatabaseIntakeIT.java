package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TcpProxy;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;
import io.enhance.worker.testing.WorkerRole;

/** The packaged worker against the database as users configure it, and while it goes away or refuses writes for a while. */
class DatabaseIntakeIT {

    @Test
    void runsABatchEndToEndWithAPlainJdbcUrlAndTheSchemaOnlyInItsSettingWithoutAWarning() throws Exception {
        try (PackagedWorkerRig rig = new PackagedWorkerRig("plain_url_it", new EmulatorSettings())) {
            Map<String, String> environment = rig.environment();
            environment.put("QUARKUS_DATASOURCE_JDBC_URL", PackagedWorkerRig.plainJdbcUrl(5432));
            File log = new File("target/database-intake-it-plain-url.log");
            Files.deleteIfExists(log.toPath());
            try (WorkerProcess worker = rig.startWorker(environment, log)) {
                List<String> jobs = publish(rig, "plain", 3);
                await().atMost(Duration.ofSeconds(40)).until(() -> rig.broker.events().size() >= jobs.size());
                assertEachCompletedOnce(rig, jobs);
                assertThat(rig.countJobs("status = 'COMPLETED'")).isEqualTo(jobs.size());
            }
            // a healthy start and run, every stage and client used once: nothing for an operator to look at
            assertThat(Files.readAllLines(log.toPath())).noneMatch(line -> line.contains(" WARN ") || line.contains(" ERROR "));
        }
    }

    @Test
    @Tag("fault-suite") // a long outage scenario: with the fault suite, outside the test command
    void holdsRequestsThroughADatabaseOutageAndDeadLettersNoValidJob() throws Exception {
        try (PackagedWorkerRig rig = new PackagedWorkerRig("db_outage_it", new EmulatorSettings());
                TcpProxy database = TcpProxy.to("127.0.0.1", 5432)) {
            Map<String, String> environment = rig.environment();
            environment.put("QUARKUS_DATASOURCE_JDBC_URL", environment.get("QUARKUS_DATASOURCE_JDBC_URL")
                    .replace(":5432/", ":" + database.port() + "/"));
            environment.put("QUEUES_DELIVERY_LIMIT", "4");
            environment.put("PIPELINE_REQUEUE_DELAY", "1s");
            File log = new File("target/database-intake-it-outage.log");
            try (WorkerProcess worker = rig.startWorker(environment, log)) {
                database.cut();
                await().atMost(Duration.ofSeconds(15)).until(() -> worker.readiness() == 503);
                List<String> jobs = publish(rig, "outage", 8);
                // longer than 4 deliveries with requeue pauses of 1, 2 and 4 s would take
                await().during(Duration.ofSeconds(22)).atMost(Duration.ofSeconds(30))
                        .until(() -> worker.readiness() == 503);
                database.restore();

                List<String> deadLettered = new ArrayList<>();
                await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                    rig.broker.drain(rig.requests + ".dlq").forEach(body -> deadLettered.add(new String(body, UTF_8)));
                    assertThat(deadLettered).as("dead-lettered requests").isEmpty();
                    assertThat(rig.rows("select job_id from rejected_messages")).as("rejected messages").isEmpty();
                    assertThat(rig.broker.events()).as("events").hasSizeGreaterThanOrEqualTo(jobs.size());
                });
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> rig.broker.events().size() == jobs.size());
                assertEachCompletedOnce(rig, jobs);
                assertThat(rig.emulator.submissions()).hasSize(jobs.size());
                assertThat(worker.readiness()).isEqualTo(200);
            }
            PackagedWorkerRig.assertNoSecretsIn(log);
        }
    }

    @Test
    @Tag("fault-suite") // a long outage scenario: with the fault suite, outside the test command
    void holdsRequestsWhilePostgresqlRefusesWritesAndStoresThemWhenItTakesWritesAgain() throws Exception {
        try (PackagedWorkerRig rig = new PackagedWorkerRig("db_read_only_it", new EmulatorSettings());
                WorkerRole role = WorkerRole.owning(rig.schema())) {
            Map<String, String> environment = rig.environment();
            environment.put("QUARKUS_DATASOURCE_USERNAME", role.name());
            environment.put("QUEUES_DELIVERY_LIMIT", "4");
            environment.put("PIPELINE_REQUEUE_DELAY", "1s");
            File log = new File("target/database-intake-it-read-only.log");
            try (WorkerProcess worker = rig.startWorker(environment, log)) {
                role.refuseWrites(); // reads are still answered
                await().atMost(Duration.ofSeconds(15)).until(() -> worker.readiness() == 503);
                List<String> jobs = publish(rig, "read-only", 8);
                // longer than 4 deliveries with requeue pauses of 1, 2 and 4 s would take
                await().during(Duration.ofSeconds(22)).atMost(Duration.ofSeconds(30))
                        .until(() -> worker.readiness() == 503);
                assertThat(rig.broker.drain(rig.requests + ".dlq")).as("dead-lettered while writes were refused").isEmpty();
                role.acceptWrites();

                await().atMost(Duration.ofSeconds(40)).until(() -> rig.broker.events().size() >= jobs.size());
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> rig.broker.events().size() == jobs.size());
                assertEachCompletedOnce(rig, jobs);
                assertThat(rig.broker.drain(rig.requests + ".dlq")).as("dead-lettered requests").isEmpty();
                assertThat(rig.rows("select job_id from rejected_messages")).as("rejected messages").isEmpty();
                assertThat(rig.emulator.submissions()).hasSize(jobs.size());
                assertThat(worker.readiness()).isEqualTo(200);
            }
            PackagedWorkerRig.assertNoSecretsIn(log);
        }
    }

    private static List<String> publish(PackagedWorkerRig rig, String prefix, int count) {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String source = rig.s3.putSource(prefix + "/" + i + ".png", TestImages.card(16, 16, i));
            jobs.add(prefix + "/" + i);
            rig.broker.publish(rig.requests, job(prefix + "/" + i, source).batch(prefix).bytes());
        }
        return jobs;
    }

    private static void assertEachCompletedOnce(PackagedWorkerRig rig, List<String> jobs) {
        for (String jobId : jobs) {
            assertThat(rig.broker.eventsFor(jobId)).as("events of %s", jobId).hasSize(1)
                    .allMatch(e -> e.routingKey().equals("job.completed"));
        }
    }
}
