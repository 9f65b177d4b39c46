package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/**
 * During a burst of thousands of submits, the emulator resets 1% of their connections before reading
 * them (nothing created; the worker only sees {@code Connection reset}). Each is settled as absent from
 * the history's tight window around it, among thousands of others' tasks, and submitted again within a
 * minute; every job completes with one task.
 */
@Tag("fault-suite")
class SubmitConnectionResetsIT {

    private static final int JOBS = 2000;

    @Test
    void provesEveryResetSubmitAbsentAndSubmitsItAgainWithinAMinute() throws Exception {
        try (PackagedWorkerRig rig = new PackagedWorkerRig("resets_it", new EmulatorSettings()
                .setMinLatencyMs(50).setMaxLatencyMs(200).setResetRate(0.01).setCacheOutputs(true))) {
            Map<String, String> environment = rig.environment();
            environment.put("WAVESPEED_MAX_IN_FLIGHT", "1000");
            environment.put("WAVESPEED_IMAGES_PER_MINUTE", "600000");
            File log = new File("target/submit-connection-resets-it.log");
            String source = rig.s3.putSource("resets.png", TestImages.photo(16, 16, 77));
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                requests.add(job("resets/" + i, source).batch("resets").bytes());
            }

            try (WorkerProcess worker = rig.startWorker(environment, log)) {
                rig.broker.publishAll(rig.requests, requests);
                await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> rig.countJobs("status in ('COMPLETED', 'FAILED')") == JOBS);
            }

            assertThat(rig.countJobs("status = 'COMPLETED'")).isEqualTo(JOBS);
            int resets = rig.emulator.resetSubmits();
            assertThat(resets).as("submits reset before they were read").isGreaterThanOrEqualTo(JOBS / 200);
            List<Map<String, Object>> unknown = rig.rows("""
                    select t.job,
                           extract(epoch from (select min(n.at) from job_transitions n where n.job = t.job and n.at >= t.at
                              and n.from_status = 'SUBMISSION_UNKNOWN') - t.at) as settling_seconds,
                           (select n.to_status from job_transitions n where n.job = t.job and n.at >= t.at
                              and n.from_status = 'SUBMISSION_UNKNOWN' order by n.at limit 1) as settled_to
                    from job_transitions t where t.to_status = 'SUBMISSION_UNKNOWN'""");
            assertThat(unknown).as("unanswered submits: the resets").hasSize(resets);
            assertThat(unknown).allSatisfy(row -> {
                assertThat(row.get("settled_to")).as("job %s", row.get("job")).isEqualTo("QUEUED");
                assertThat(((Number) row.get("settling_seconds")).doubleValue()).as("seconds until job %s was proven absent",
                        row.get("job")).isLessThan(60);
            });
            Map<String, Long> tasksByPrompt = rig.emulator.submissions().stream()
                    .collect(Collectors.groupingBy(s -> s.body().path("prompt").asText(), Collectors.counting()));
            assertThat(tasksByPrompt).hasSize(JOBS).allSatisfy((prompt, tasks) -> assertThat(tasks).as(prompt).isEqualTo(1));
            PackagedWorkerRig.assertNoSecretsIn(log);
        }
    }
}
