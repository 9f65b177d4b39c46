package io.enhance.worker.api;

import static io.restassured.RestAssured.given;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobError;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredJobs;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.specification.RequestSpecification;

/**
 * Jobs stored straight into a given state for the API tests, each through the entity's own transitions.
 * Queued ones are due in an hour, so that no stage takes them while a test looks at them.
 */
final class OperatorJobs {

    static final String TOKEN = "test-admin-token";
    static final BigDecimal PRICE = new BigDecimal("0.025");

    private OperatorJobs() {
    }

    /** A request carrying the API token. */
    static RequestSpecification operator() {
        return given().header("Authorization", "Bearer " + TOKEN);
    }

    static void queued(String jobId, String batchId, String source) {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = stored(jobId, batchId, source);
            job.dueAt = Instant.now().plus(Duration.ofHours(1));
        });
    }

    /** Submitted to WaveSpeed and waiting for its first poll, an hour away. */
    static void submitted(String jobId, String batchId) {
        QuarkusTransaction.requiringNew().run(() -> {
            Instant now = Instant.now();
            Job job = stored(jobId, batchId, "s3://sources/none.png");
            job.startSubmission(now, Duration.ofMinutes(1), "api-test", PRICE);
            job.sending(Map.of("image", "s3://sources/none.png"), "fingerprint-" + jobId, false, now);
            job.submitted("prediction-" + jobId, BigDecimal.ZERO, now.plus(Duration.ofHours(1)), now, "created");
        });
    }

    /** Failed after its submission may have created a paid task: a retry pays again. */
    static void failedAfterPaying(String jobId, String batchId, String source) {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = stored(jobId, batchId, source);
            job.startSubmission(Instant.now(), Duration.ofMinutes(1), "api-test", PRICE);
            StoredJobs.failed(job, new JobError("prediction_failed", "the model failed"), Instant.now());
        });
    }

    /** Failed when its submission provably created nothing: a retry is free. */
    static void failedFree(String jobId, String batchId, String source) {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = stored(jobId, batchId, source);
            job.startSubmission(Instant.now(), Duration.ofMinutes(1), "api-test", PRICE);
            StoredJobs.failedBeforeAnyTask(job, new JobError("invalid_parameters", "refused"), Instant.now());
        });
    }

    /**
     * Submitted at {@code submittedAt}, its prediction finished with one output URL, and copying that
     * output failed with {@code errorCode}: a retry copies it again while WaveSpeed still has it.
     */
    static void failedDelivering(String jobId, String source, Instant submittedAt, String errorCode) {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = stored(jobId, null, source);
            job.startSubmission(submittedAt, Duration.ofMinutes(1), "api-test", PRICE);
            job.sending(Map.of("image", source), "fingerprint-" + jobId, false, submittedAt);
            job.submitted("prediction-" + jobId, PRICE, submittedAt, submittedAt, "created");
            job.predictionCompleted(List.of("https://outputs.example/" + jobId + "/0.jpeg"), List.of(false), 900L,
                    submittedAt.plusSeconds(3));
            StoredJobs.failed(job, new JobError(errorCode, "copying the output failed"), submittedAt.plusSeconds(9));
        });
    }

    static void cancelled(String jobId, String batchId) {
        cancelled(jobId, batchId, "s3://sources/none.png");
    }

    static void cancelled(String jobId, String batchId, String source) {
        QuarkusTransaction.requiringNew().run(() -> StoredJobs.cancelled(stored(jobId, batchId, source),
                Instant.now(), "cancelled by test"));
    }

    /** Ends a job a test left queued or in flight, so that it takes no slot or turn in the tests after it. */
    static void end(String jobId) {
        QuarkusTransaction.requiringNew().run(() -> JobStore.findByJobId(jobId).ifPresent(job -> {
            if (job.status.canMoveTo(JobStatus.CANCELLED)) {
                StoredJobs.cancelled(job, Instant.now(), "ended by the test");
            } else if (job.status.canMoveTo(JobStatus.FAILED)) {
                StoredJobs.failed(job, new JobError("test_ended", "ended by the test"), Instant.now());
            }
        }));
    }

    static JobStatus status(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow().status);
    }

    private static Job stored(String jobId, String batchId, String source) {
        return StoredJobs.queued(jobId, batchId, Map.of("image", source, "prompt", "enhance " + jobId), "enhanced", "",
                null, null, Instant.now());
    }
}
