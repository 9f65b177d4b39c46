package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/**
 * SIGTERM while submit POSTs (answered slowly) are under way: the worker lets them finish and records their answers,
 * hands its leases back, writes nothing half, and exits within the grace period; the next worker
 * finishes every job exactly once.
 */
class GracefulShutdownIT {

    private static final int JOBS = 10;
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final long SLOW_SUBMIT_MS = 4_000;

    @Test
    void finishesWorkUnderWayHandsBackItsLeasesAndExitsWithinTheGracePeriod() throws Exception {
        try (PackagedWorkerRig rig = new PackagedWorkerRig("shutdown_it",
                new EmulatorSettings().setMinLatencyMs(500).setMaxLatencyMs(1000).setSlowResponseMs(SLOW_SUBMIT_MS)
                        .scriptSubmits(Collections.nCopies(JOBS, "slow").toArray(String[]::new)))) {
            Map<String, String> environment = rig.environment();
            environment.put("PIPELINE_SHUTDOWN_GRACE", GRACE.toSeconds() + "s");
            File log = new File("target/graceful-shutdown-it.log");
            Files.deleteIfExists(log.toPath());

            String midPost = "status = 'SUBMITTING' and submitted_request is not null";
            List<Object> postsUnderWay;
            long logBeforeStop;
            Duration exit;
            try (WorkerProcess first = rig.startWorker(environment, log)) {
                for (int i = 0; i < JOBS; i++) {
                    String source = rig.s3.putSource("shutdown/" + i + ".png", TestImages.card(24, 24, i));
                    rig.broker.publish(rig.requests, job("shutdown/" + i, source).batch("shutdown").bytes());
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> rig.countJobs(midPost) > 0);
                postsUnderWay = rig.rows("select id from jobs where " + midPost).stream().map(row -> row.get("id")).toList();
                logBeforeStop = Files.size(log.toPath());

                exit = first.terminate();
            }

            String shutdownLog = Files.readString(log.toPath()).substring((int) logBeforeStop);
            assertThat(exit).isLessThan(GRACE.plusSeconds(10));
            assertThat(shutdownLog).contains("Stopped gracefully").doesNotContain(" ERROR ");
            assertThat(rig.countJobs("status in ('SUBMITTING', 'SUBMISSION_UNKNOWN')"))
                    .as("answers of the POSTs under way recorded").isZero();
            assertThat(rig.countJobs("prediction_id is not null and id in (" + postsUnderWay.stream().map(String::valueOf)
                    .collect(Collectors.joining(",")) + ")")).as("answers recorded").isEqualTo(postsUnderWay.size());
            assertThat(rig.countJobs("lease_owner is not null")).as("leases handed back").isZero();

            try (WorkerProcess second = rig.startWorker(environment, log)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> rig.countJobs("status = 'COMPLETED'") == JOBS);
                await().atMost(Duration.ofSeconds(10)).until(() -> rig.broker.events().size() >= JOBS);
            }
            for (int i = 0; i < JOBS; i++) {
                assertThat(rig.broker.eventsFor("shutdown/" + i)).as("events of job %d", i).hasSize(1)
                        .allMatch(e -> e.routingKey().equals("job.completed"));
            }
            assertThat(rig.emulator.submissions()).hasSize(JOBS);
            PackagedWorkerRig.assertNoSecretsIn(log);
        }
    }
}
