package io.enhance.worker.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A job's outcome event is written by the outbox observing the job's end, inside the transaction that ends
 * it: the row is there before that transaction commits, and goes with it when it rolls back.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class OutcomeEventTransactionTest {

    @Inject
    JobOutcomes outcomes;

    @Inject
    EntityManager entityManager;

    private final String jobId = "outcome-tx-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void removeTheJob() {
        QuarkusTransaction.requiringNew().run(() -> {
            entityManager.createNativeQuery("delete from outbox_events where subject = ?1").setParameter(1, jobId)
                    .executeUpdate();
            Job.delete("jobId", jobId);
        });
    }

    @Test
    void theOutcomeEventIsWrittenInTheTransactionThatEndsTheJobAndRolledBackWithIt() {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = StoredJobs.queued(jobId, null, Map.of("prompt", "p", "image", "https://x.test/a.png"), "enhanced",
                    "", Map.of(), null, Instant.now());
            job.dueAt = Instant.now().plus(Duration.ofDays(1)); // out of the submission stage's way
        });

        QuarkusTransaction.begin();
        try {
            outcomes.cancel(job(), "cancelled by the test");
            assertThat(outcomeEvents()).as("the event row, before the job's end commits").isEqualTo(1);
        } finally {
            QuarkusTransaction.rollback();
        }
        assertThat(QuarkusTransaction.requiringNew().call(this::outcomeEvents)).as("rolled back with the job's end")
                .isZero();
        assertThat(QuarkusTransaction.requiringNew().call(() -> job().status)).isEqualTo(JobStatus.QUEUED);

        QuarkusTransaction.requiringNew().run(() -> outcomes.cancel(job(), "cancelled by the test"));
        assertThat(QuarkusTransaction.requiringNew().call(this::outcomeEvents)).isEqualTo(1);
    }

    private Job job() {
        return Job.<Job> find("jobId", jobId).firstResult();
    }

    private long outcomeEvents() {
        return ((Number) entityManager.createNativeQuery(
                "select count(*) from outbox_events where subject = ?1 and routing_key = 'job.cancelled'")
                .setParameter(1, jobId).getSingleResult()).longValue();
    }
}
