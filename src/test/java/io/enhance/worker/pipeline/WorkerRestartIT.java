package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/** Kills the packaged worker while predictions are in flight upstream; a new process finishes every job exactly once. */
class WorkerRestartIT {

    private static final int JOBS = 20;

    @Test
    void completesEveryJobExactlyOnceAfterTheWorkerIsKilledWithPredictionsInFlight() throws Exception {
        // no webhooks, and the history as documented: the restarted worker follows the predictions by polling
        try (PackagedWorkerRig rig = new PackagedWorkerRig("restart_it", new EmulatorSettings()
                .setMinLatencyMs(4000).setMaxLatencyMs(6000))) {
            Map<String, String> environment = rig.environment();
            environment.put("PIPELINE_LEASE_DURATION", "5s");
            // a lease must outlast a download plus an upload
            environment.put("PIPELINE_DOWNLOAD_TIMEOUT", "2s");
            environment.put("S3_CALL_TIMEOUT", "2s");
            File log = new File("target/worker-restart-it.log");

            try (WorkerProcess first = rig.startWorker(environment, log)) {
                for (int i = 0; i < JOBS; i++) {
                    String source = rig.s3.putSource("restart/" + i + ".png", TestImages.card(24, 24, i));
                    rig.broker.publish(rig.requests, job("restart/" + i, source).batch("restart").bytes());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> rig.countJobs("status in ('SUBMITTED', 'PROCESSING')") == JOBS);
                first.kill();
            }
            assertThat(rig.countJobs("status = 'COMPLETED'")).isZero();
            assertThat(rig.emulator.predictionCount()).isEqualTo(JOBS);

            try (WorkerProcess second = rig.startWorker(environment, log)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> rig.broker.events().size() >= JOBS);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).until(() ->
                        rig.broker.events().size() == JOBS && rig.countJobs("status = 'COMPLETED'") == JOBS);
            }
            for (int i = 0; i < JOBS; i++) {
                assertThat(rig.broker.eventsFor("restart/" + i)).as("events of job %d", i).hasSize(1)
                        .allMatch(e -> e.routingKey().equals("job.completed"));
            }
            assertThat(rig.emulator.submissions()).hasSize(JOBS);
            PackagedWorkerRig.assertNoSecretsIn(log);
            assertThat(rig.emulator.submissions().stream().map(s -> s.body().path("prompt").asText()).distinct()).hasSize(JOBS);
        }
    }
}
