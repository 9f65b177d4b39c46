package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.enhance.worker.batches.Cancellations;
import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.ReceivedSubmission;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestSources;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Before a job is paid for, its source is asked whether WaveSpeed could fetch it: one that never
 * could fails for free as {@code source_unavailable}, and one slow to answer holds up no other job.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class SourceCheckTest {

    /** The worker's deadline for one source check. */
    private static final Duration CHECK_DEADLINE = Duration.ofSeconds(5);
    @RegisterExtension
    static final TestSources SOURCES = new TestSources();

    @Inject
    QueuesConfig queues;
    @Inject
    Cancellations cancellations;
    @Inject
    PipelineConfig pipeline;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void failsASourceThatAnswers404ForFreeWithoutSubmittingIt() throws Exception {
        String jobId = "missing-" + run;

        Job failed = failedWithoutSubmission(jobId, SOURCES.missing("/" + jobId + ".png"));

        assertThat(failed.error().orElseThrow().message()).isEqualTo("source answered HTTP 404");
    }

    @Test
    void failsASourceOverWaveSpeeds20MbForFreeWithoutSubmittingIt() throws Exception {
        String jobId = "large-" + run;

        Job failed = failedWithoutSubmission(jobId, SOURCES.declaredAs("/" + jobId + ".jpg", "image/jpeg", 25_000_000));

        assertThat(failed.error().orElseThrow().message()).startsWith("source is 25000000 bytes; WaveSpeed takes images of up to 20971520");
    }

    @Test
    void failsASourceThatIsNoImageForFreeWithoutSubmittingIt() throws Exception {
        String jobId = "page-" + run;

        Job failed = failedWithoutSubmission(jobId, SOURCES.declaredAs("/" + jobId, "text/html; charset=utf-8", 512));

        assertThat(failed.error().orElseThrow().message()).isEqualTo("source is text/html, not an image");
    }

    @Test
    void failsAnS3SourceThatDoesNotExistForFreeWithoutSubmittingIt() throws Exception {
        String jobId = "no-object-" + run;

        Job failed = failedWithoutSubmission(jobId, "s3://" + "sources" + "/" + jobId + ".png");

        assertThat(failed.error().orElseThrow().message()).contains("cannot be read").contains("404");
    }

    @Test
    void asksWithARangedGetWhereHeadIsRefusedAndSubmitsTheSource() throws Exception {
        String jobId = "head-refused-" + run;
        String source = SOURCES.imageRefusingHead("/" + jobId + ".png", TestImages.card(16, 16, 3));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());

            await().atMost(Duration.ofSeconds(30)).until(() -> broker.eventsFor(jobId).size() == 1);
            assertThat(broker.eventsFor(jobId).get(0).routingKey()).isEqualTo("job.completed");
        }
    }

    @Test
    void aSourceThatNeverAnswersHoldsUpNoOtherJobsSubmission() throws Exception {
        String slow = "silent-" + run;
        List<String> others = List.of("beside-silent-" + run + "-0", "beside-silent-" + run + "-1", "beside-silent-" + run + "-2");
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            // a first submission warms the S3 and WaveSpeed clients up: what is measured must be the silent source
            String warmUp = "before-silent-" + run;
            broker.publish(queues.requests(), job(warmUp, EmbeddedServices.s3().putSource(warmUp + ".png",
                    TestImages.card(16, 16, 4))).bytes());
            await().atMost(Duration.ofSeconds(30)).until(() -> submission(warmUp) != null);

            String signature = "sig-" + run; // presigned, as a source URL often is
            broker.publish(queues.requests(), job(slow, SOURCES.silent("/" + slow + ".png?X-Amz-Signature=" + signature))
                    .bytes());
            Instant published = Instant.now();
            for (String other : others) {
                broker.publish(queues.requests(), job(other, EmbeddedServices.s3().putSource(other + ".png",
                        TestImages.card(16, 16, 4))).bytes());
            }

            await().atMost(CHECK_DEADLINE).until(() -> others.stream().allMatch(other -> submission(other) != null));
            Duration slowest = others.stream().map(other -> Duration.between(published, submission(other).receivedAt()))
                    .max(Duration::compareTo).orElseThrow();
            System.out.printf("jobs beside a silent source submitted within %d ms%n", slowest.toMillis());
            // waiting for the silent source would take its whole deadline; on a busy machine the others took 1.5 s
            assertThat(slowest).as("the others' submission, beside a source that never answers")
                    .isLessThan(CHECK_DEADLINE.minusSeconds(1));
            assertThat(submission(slow)).as("the silent source's job, submitted").isNull();
            // at its deadline it is queued again, to be asked later, with a reason that quotes no signature
            await().atMost(CHECK_DEADLINE.multipliedBy(2)).until(() -> !reasons(slow).isEmpty());
            assertThat(reasons(slow)).allMatch(reason -> reason.contains("source did not answer within 5 s"))
                    .noneMatch(reason -> reason.contains(signature));
        } finally {
            // it would be checked again and again, as long as the application runs: between checks, it may be cancelled
            await().atMost(Duration.ofSeconds(15)).until(() -> cancellations.cancelJob(slow).status() == JobStatus.CANCELLED);
        }
    }

    @Test
    void givesThePostAWholeLeaseHoweverLongItsSourceCheckTook() throws Exception {
        String jobId = "slow-check-" + run;
        Duration checkTime = Duration.ofSeconds(2);
        String source = SOURCES.imageAfter("/" + jobId + ".png", TestImages.card(16, 16, 5), checkTime);
        EmbeddedServices.emulator().settings().scriptSubmits("slow"); // its POST is not answered: it stays SUBMITTING
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());

            Job sending = await().atMost(Duration.ofSeconds(20)).until(
                    () -> QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElse(null)),
                    job -> job != null && job.status == JobStatus.SUBMITTING && job.submittedRequest != null);
            Instant claimed = QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> find(
                    "job = ?1 and toStatus = 'SUBMITTING'", sending.id).firstResult().at);
            assertThat(sending.attemptStartedAt).as("sent").isAfterOrEqualTo(claimed.plus(checkTime));
            assertThat(sending.dueAt).as("its lease").isEqualTo(sending.attemptStartedAt.plus(pipeline.leaseDuration()));
        } finally {
            EmbeddedServices.emulator().settings().clearScripts();
        }
    }

    /** Publishes a job, waits for it to fail, and checks that it cost nothing and reached WaveSpeed never. */
    private Job failedWithoutSubmission(String jobId, String source) throws Exception {
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.eventsFor(jobId).size() == 1);
            assertThat(broker.eventsFor(jobId).get(0).routingKey()).isEqualTo("job.failed");
        }
        Job job = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
        assertThat(job.status).isEqualTo(JobStatus.FAILED);
        assertThat(job.error().orElseThrow().code()).isEqualTo("source_unavailable");
        assertThat(job.spendUsd).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(job.retryKind(Instant.now())).isEqualTo(Job.RetryKind.FREE);
        assertThat(submission(jobId)).as("task created for %s", jobId).isNull();
        return job;
    }

    /** Why the job went back to QUEUED from SUBMITTING, each time it did. */
    private static List<String> reasons(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job = (select j.id from Job j where j.jobId = ?1) and fromStatus = 'SUBMITTING' and toStatus = 'QUEUED'", jobId))
                .stream().map(step -> step.detail).toList();
    }

    private static ReceivedSubmission submission(String jobId) {
        return EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + jobId)).findFirst().orElse(null);
    }
}
