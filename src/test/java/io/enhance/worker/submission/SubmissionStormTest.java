package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Through a storm of 429s on submit, and of 429/500/503 and dropped connections on polls, every
 * job completes, none is submitted twice, and resubmissions keep to the backoff.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class SubmissionStormTest {

    private static final int JOBS = 20;
    /** One scheduler tick (the submit task runs once a second) plus the round's own time, on two busy cores. */
    private static final Duration SCHEDULING_SLACK = Duration.ofSeconds(4);

    @Inject
    QueuesConfig queues;
    @Inject
    WaveSpeedConfig wavespeed;

    @Test
    void completesEveryJobThroughSubmitAndPollStormsSubmittingEachExactlyOnceWithinTheBackoff() throws Exception {
        String batch = "storm-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 8));
        EmbeddedServices.emulator().settings().setRate429(0.6).setResultFaultRate(0.5);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS);
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)))
                    .allMatch(e -> e.routingKey().equals("job.completed"));
        } finally {
            EmbeddedServices.emulator().settings().setRate429(0).setResultFaultRate(0);
        }

        for (int i = 0; i < JOBS; i++) {
            String prompt = "enhance " + batch + "/" + i;
            assertThat(EmbeddedServices.emulator().submissions().stream()
                    .filter(s -> s.body().path("prompt").asText().equals(prompt))).as(prompt).hasSize(1);
        }
        List<Job> jobs = QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
        assertThat(jobs).anyMatch(job -> job.attempts > 1);
        assertThat(jobs.stream().mapToInt(job -> job.polls).sum()).as("polls, faulty ones included").isGreaterThan(JOBS);
        for (Job job : jobs) {
            List<JobTransition> steps = QuarkusTransaction.requiringNew()
                    .call(() -> JobTransition.<JobTransition> list("job = ?1 order by id", job.id));
            int attempt = 0;
            for (int s = 0; s + 1 < steps.size(); s++) {
                if ("SUBMITTING".equals(steps.get(s).toStatus)) {
                    attempt++;
                }
                if ("SUBMITTING".equals(steps.get(s).fromStatus) && "QUEUED".equals(steps.get(s).toStatus)) {
                    Duration waited = Duration.between(steps.get(s).at, steps.get(s + 1).at);
                    assertThat(waited).as("%s wait after attempt %d", job.jobId, attempt)
                            .isLessThanOrEqualTo(backoffCap(attempt).plus(SCHEDULING_SLACK));
                }
            }
        }
    }

    private Duration backoffCap(int attempt) {
        long cap = Math.min(wavespeed.retryMaxDelay().toMillis(), wavespeed.retryBaseDelay().toMillis() << (attempt - 1));
        return Duration.ofMillis(cap);
    }
}
