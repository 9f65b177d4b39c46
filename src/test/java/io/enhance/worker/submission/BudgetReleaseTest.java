package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.ModelInputs;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A job held by a spending cap goes back to the queue, and is submitted, once its recheck comes and the budget allows. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class BudgetReleaseTest {

    @Inject
    QueuesConfig queues;

    @Test
    void releasesAHeldJobWhoseBudgetAllowsItAgain() throws Exception {
        String jobId = "held-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(jobId + ".png", TestImages.card(16, 16, 6));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            // held the moment it is stored, its recheck due in a few seconds; this profile has no caps, so it is let go
            QuarkusTransaction.requiringNew().run(() -> {
                Instant now = Instant.now();
                Job job = StoredJobs.queued(jobId, null, ModelInputs.withDefaults("enhance " + jobId, source), "enhanced", "", null, null, now);
                job.holdForBudget("daily spending cap of $0.00 reached (test)", now.plusSeconds(3), now);
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(jobId).isEmpty());
            assertThat(broker.eventsFor(jobId)).extracting(TestBroker.ReceivedEvent::routingKey).containsExactly("job.completed");
        }
        List<String> path = QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job = (select j.id from Job j where j.jobId = ?1) order by id", jobId).stream()
                .map(step -> step.toStatus).toList());
        assertThat(path).startsWith(JobStatus.QUEUED.name(), JobStatus.HELD_BUDGET.name(), JobStatus.QUEUED.name(),
                JobStatus.SUBMITTING.name());
    }
}
