package io.enhance.worker.tracking;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A task may show late: a poll answered 404 soon after submission is polled again, a later one fails the job. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class NotFoundGraceTest {

    @Inject
    QueuesConfig queues;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void clearScripts() {
        EmbeddedServices.emulator().settings().clearScripts();
    }

    @Test
    void aPredictionNotFoundSoonAfterItsSubmissionIsPolledAgainAndItsJobCompletes() throws Exception {
        String jobId = "late-" + run;
        String source = EmbeddedServices.s3().putSource(jobId + ".png", TestImages.card(16, 16, 2));
        EmbeddedServices.emulator().settings().scriptResults("404", "404");
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> ended(jobId));
        Job job = stored(jobId);
        assertThat(job.status).as("%s: %s", job.errorCode, job.errorMessage).isEqualTo(JobStatus.COMPLETED);
        assertThat(job.polls).as("two polls answered 404, then the answer").isGreaterThanOrEqualTo(3);
    }

    @Test
    void aPredictionStillNotFoundPastTheGraceFailsItsJob() {
        String jobId = "unknown-" + run;
        QuarkusTransaction.requiringNew().run(() -> {
            Instant submitted = Instant.now().minus(Duration.ofMinutes(2)); // the grace is a minute
            Job job = StoredJobs.queued(jobId, null, Map.of("image", "s3://sources/none.png", "prompt", "p"), "enhanced",
                    "", null, null, submitted);
            job.startSubmission(submitted, Duration.ofMinutes(1), "test", new BigDecimal("0.025"));
            job.sending(Map.of("image", "s3://sources/none.png"), "fingerprint-" + jobId, false, submitted);
            job.submitted("never-created-" + run, new BigDecimal("0.025"), Instant.now(), submitted, "created");
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> ended(jobId));
        assertThat(stored(jobId).status).isEqualTo(JobStatus.FAILED);
        assertThat(stored(jobId).errorCode).isEqualTo("prediction_not_found");
    }

    private static boolean ended(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).filter(job -> job.status.isTerminal())
                .isPresent());
    }

    private static Job stored(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
    }
}
