package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Jobs past a spending cap are not submitted: they wait as HELD_BUDGET, saying which cap holds them. */
@QuarkusTest
@TestProfile(SpendCapTest.CapsOn.class)
@QuarkusTestResource(EmbeddedServices.class)
class SpendCapTest {

    /** Two images per batch, four per day, at $0.025 each. */
    public static class CapsOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wavespeed.batch-spend-cap-usd", "0.05", "wavespeed.daily-spend-cap-usd", "0.10");
        }
    }

    @Inject
    QueuesConfig queues;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void holdsJobsPastTheBatchCapAndThenPastTheDailyCapWithoutSubmittingThem() throws Exception {
        String source = EmbeddedServices.s3().putSource(run + ".png", TestImages.card(16, 16, 2));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            publishBatch(broker, "first-" + run, source);
            awaitCompletedAndHeld("first-" + run);
            publishBatch(broker, "second-" + run, source);
            awaitCompletedAndHeld("second-" + run);
        }

        assertThat(heldBecause("first-" + run)).contains("batch spending cap of $0.05 reached");
        assertThat(heldBecause("second-" + run)).contains("daily spending cap of $0.10 reached");
        assertThat(EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().contains(run))).hasSize(4);
        BigDecimal spent = QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("jobId like ?1", "%" + run + "%")
                .stream().map(job -> job.spendUsd).reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(spent).isEqualByComparingTo("0.10");
    }

    private void publishBatch(TestBroker broker, String batch, String source) {
        for (int i = 0; i < 3; i++) {
            broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
        }
    }

    private void awaitCompletedAndHeld(String batch) {
        await().atMost(Duration.ofSeconds(60)).until(() -> statuses(batch).equals(
                List.of(JobStatus.HELD_BUDGET, JobStatus.COMPLETED, JobStatus.COMPLETED)));
    }

    private List<JobStatus> statuses(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch).stream()
                .map(job -> job.status).sorted().toList());
    }

    private String heldBecause(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job in (select j.id from Job j where j.batchId = ?1) and toStatus = 'HELD_BUDGET'", batch)
                .get(0).detail);
    }
}
