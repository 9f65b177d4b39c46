package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
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
import io.enhance.worker.emulator.ReceivedSubmission;
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
import io.quarkus.test.junit.TestProfile;

/**
 * A task once bound to a job stays that job's: after an operator's pay-again retry the job follows a
 * new task, and settlement of another job never takes the old one for its own, even with an exclusive
 * key, where a lone unowned task in an attempt's time would be taken for the attempt's.
 */
@QuarkusTest
@TestProfile(TaggedWebhooksOn.class)
@QuarkusTestResource(EmbeddedServices.class)
class BoundPredictionsTest {

    private static final String TOKEN = "test-admin-token";

    @Inject
    QueuesConfig queues;

    private final String batch = "bound-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void calmTheEmulator() {
        EmbeddedServices.emulator().settings().setFailureRate(0);
    }

    @Test
    void neverHandsTheTaskOfARetriedJobToAnotherJobsUnansweredAttempt() throws Exception {
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.photo(24, 24, 31));
        String retried = batch + "/retried";
        EmbeddedServices.emulator().settings().setFailureRate(1);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(retried, source).batch(batch).bytes());
            await().atMost(Duration.ofSeconds(30)).until(() -> !broker.eventsFor(retried).isEmpty());
        }
        EmbeddedServices.emulator().settings().setFailureRate(0);
        ReceivedSubmission oldTask = EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + retried)).findFirst().orElseThrow();
        given().header("Authorization", "Bearer " + TOKEN).post("/api/jobs/" + retried + "/retry?pay_again=true")
                .then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> stored(retried).status == JobStatus.COMPLETED);

        // another job asking for the same, whose POST went unanswered just when the old task was created
        long other = unansweredAround(oldTask.receivedAt(), stored(retried).input);

        await().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew()
                .call(() -> Job.<Job> findById(other).status.isTerminal()));
        Job settled = QuarkusTransaction.requiringNew().call(() -> Job.<Job> findById(other));
        assertThat(settled.predictionId).isNotEqualTo(oldTask.predictionId());
        assertThat(settled.status).isEqualTo(JobStatus.COMPLETED);
    }

    private long unansweredAround(Instant createdAt, Map<String, Object> input) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant sent = createdAt.minusMillis(200);
            Job job = StoredJobs.queued(batch + "/other", batch, input, "enhanced", "", Map.of(), null, sent);
            job.startSubmission(sent, Duration.ofMinutes(2), "stopped-worker", BigDecimal.ZERO);
            Map<String, Object> remembered = RememberedRequest.of(input, true);
            job.sending(remembered, RememberedRequest.fingerprint(remembered), false, sent);
            job.submissionUnknown(createdAt.plusMillis(200), Instant.now(), sent, "its answer never came");
            return job.id;
        });
    }

    private static Job stored(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
    }
}
