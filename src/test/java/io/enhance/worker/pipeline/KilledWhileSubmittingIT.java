package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.ReceivedSubmission;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/**
 * The packaged worker, with no webhook URL, SIGKILLed three times while submits are in flight against
 * an emulator that lists its history as WaveSpeed documents it (no request) and answers each submit
 * 400 ms after creating its task. Every job completes, each with exactly one task in the emulator's
 * ledger, and each with its own output: the emulator's output of that job's own input.
 */
@Tag("fault-suite")
class KilledWhileSubmittingIT {

    private static final int JOBS = 300;
    private static final int PER_SECOND = 60;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void settlesEverySubmitAKillCutOffWithItsOwnTaskOnTheDocumentedHistory() throws Exception {
        try (PackagedWorkerRig rig = new PackagedWorkerRig("killed_submit_it", new EmulatorSettings()
                .setMinLatencyMs(1000).setMaxLatencyMs(2000).setAnswerDelayMs(400))) {
            Map<String, String> environment = rig.environment();
            environment.put("WAVESPEED_MAX_IN_FLIGHT", "200");
            environment.put("WAVESPEED_REQUEST_TIMEOUT", "10s");
            environment.put("WAVESPEED_HISTORY_MARGIN", "2s");
            environment.put("WAVESPEED_HISTORY_LAG", "2s");
            environment.put("PIPELINE_WORKER_SILENCE_LIMIT", "3s");
            environment.put("PIPELINE_LEASE_DURATION", "15s");
            // a lease must outlast a download plus an upload
            environment.put("PIPELINE_DOWNLOAD_TIMEOUT", "6s");
            environment.put("S3_CALL_TIMEOUT", "6s");
            File log = new File("target/killed-while-submitting-it.log");
            List<String> sources = IntStream.range(0, JOBS)
                    .mapToObj(i -> rig.s3.putSource("killed/" + i + ".png", TestImages.photo(24, 24, 1000 + i))).toList();

            WorkerProcess worker = rig.startWorker(environment, log);
            ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger published = new AtomicInteger();
            publisher.scheduleAtFixedRate(() -> {
                int i = published.getAndIncrement();
                if (i < JOBS) {
                    rig.broker.publish(rig.requests, job("killed/" + i, sources.get(i)).batch("killed").bytes());
                }
            }, 0, 1000 / PER_SECOND, TimeUnit.MILLISECONDS);
            for (long submittedBeforeKill : List.of(40L, 140L, 240L)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> rig.emulator.predictionCount() >= submittedBeforeKill);
                worker.kill();
                worker = rig.startWorker(environment, log);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> published.get() >= JOBS);
            publisher.shutdown();
            try (WorkerProcess last = worker) {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> rig.countJobs("status in ('COMPLETED', 'FAILED')") == JOBS);
            }

            assertThat(rig.countJobs("status = 'COMPLETED'")).as("completed").isEqualTo(JOBS);
            assertThat(((Number) rig.rows("select count(*) as n from job_transitions where to_status = 'SUBMISSION_UNKNOWN'")
                    .get(0).get("n")).longValue()).as("submits the kills cut off").isPositive();
            Map<String, List<ReceivedSubmission>> tasksByPrompt = rig.emulator.submissions().stream()
                    .collect(Collectors.groupingBy(s -> s.body().path("prompt").asText()));
            Map<String, Map<String, Object>> jobs = rig.rows("select job_id, prediction_id, outputs->0->>'sha256' as sha256 from jobs")
                    .stream().collect(Collectors.toMap(row -> (String) row.get("job_id"), Function.identity()));
            for (int i = 0; i < JOBS; i++) {
                String jobId = "killed/" + i;
                List<ReceivedSubmission> tasks = tasksByPrompt.get("enhance " + jobId);
                assertThat(tasks).as("tasks of %s", jobId).hasSize(1);
                assertThat(jobs.get(jobId).get("prediction_id")).as("task of %s", jobId).isEqualTo(tasks.get(0).predictionId());
                assertThat(jobs.get(jobId).get("sha256")).as("output of %s", jobId)
                        .isEqualTo(TestImages.sha256(output(rig, tasks.get(0).predictionId())));
            }
            PackagedWorkerRig.assertNoSecretsIn(log);
        }
    }

    private static byte[] output(PackagedWorkerRig rig, String predictionId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(rig.emulator.baseUrl() + "/outputs/" + predictionId + "/0.jpeg"))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
    }
}
