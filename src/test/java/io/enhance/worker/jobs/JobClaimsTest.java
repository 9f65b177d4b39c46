package io.enhance.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.runtime.WorkerIdentity;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Concurrent claimers on the real PostgreSQL never get the same job: SKIP LOCKED plus the lease. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobClaimsTest {

    private static final int JOBS = 300;
    private static final int CLAIMERS = 4;

    @Inject
    JobClaims claims;
    @Inject
    WorkerIdentity worker;

    private final String batch = "claims-" + UUID.randomUUID().toString().substring(0, 8);

    /** Its leased jobs would otherwise fill the in-flight cap for the tests that follow. */
    @AfterEach
    void removeTheJobs() {
        QuarkusTransaction.requiringNew().run(() -> Job.delete("batchId", batch));
    }

    @Test
    void writesASubmitAnswerOnlyOntoTheAttemptItAnswers() {
        // attempt 1 went unanswered and was taken for one that created nothing; attempt 2 is under way, by this worker
        long id = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            Job job = StoredJobs.queued(batch + "/retried", batch, Map.of("prompt", "p", "image", "https://x.test/a.png"),
                    "enhanced", "", null, null, now);
            job.startSubmission(now, Duration.ofMinutes(1), worker.name(), BigDecimal.ZERO);
            job.sending(job.input, "f", false, now);
            job.submissionUnknown(now, now, now, "no answer");
            job.submissionRefused(now, now, "no task for the attempt");
            job.startSubmission(now, Duration.ofMinutes(1), worker.name(), BigDecimal.ZERO);
            job.sending(job.input, "f", false, now);
            return job.id;
        });

        JobClaims.WriteBack late = claims.updateAttempts(List.of(new JobClaims.AttemptAnswer(id, 1)),
                (i, job) -> job.submitted("task-of-attempt-1", BigDecimal.ZERO, Instant.now(), Instant.now(), "created"));
        assertThat(late.written()).as("the first attempt's late answer").isEmpty();
        assertThat(QuarkusTransaction.requiringNew().call(() -> Job.<Job> findById(id).predictionId)).isNull();

        JobClaims.WriteBack own = claims.updateAttempts(List.of(new JobClaims.AttemptAnswer(id, 2)),
                (i, job) -> job.submitted("task-of-attempt-2", BigDecimal.ZERO, Instant.now(), Instant.now(), "created"));
        assertThat(own.written()).containsExactly(0);
        assertThat(QuarkusTransaction.requiringNew().call(() -> Job.<Job> findById(id).predictionId)).isEqualTo("task-of-attempt-2");
    }

    @Test
    void concurrentClaimersNeverHoldTheSameJob() throws Exception {
        QuarkusTransaction.requiringNew().run(() -> {
            Instant past = Instant.now().minusSeconds(60);
            for (int i = 0; i < JOBS; i++) {
                Job job = StoredJobs.queued(batch + "/" + i, batch, Map.of("prompt", "p", "image", "https://x.test/a.png"),
                        "enhanced", "", null, null, past);
                job.startSubmission(past, Duration.ZERO, "test", BigDecimal.ZERO);
                // due in the past, with a prediction id nobody upstream knows: only claimers will touch it
                job.submitted("unknown-" + batch + "-" + i, BigDecimal.ZERO, past, past, "test");
            }
        });

        ExecutorService threads = Executors.newFixedThreadPool(CLAIMERS);
        Callable<List<Long>> drain = () -> {
            List<Long> mine = new ArrayList<>();
            List<Job> claimed;
            while (!(claimed = claims.claim(JobStatus.TRACKED)).isEmpty()) {
                claimed.stream().filter(job -> batch.equals(job.batchId)).forEach(job -> mine.add(job.id));
            }
            return mine;
        };
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int i = 0; i < CLAIMERS; i++) {
            results.add(threads.submit(drain));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> result : results) {
            all.addAll(result.get());
        }
        threads.shutdown();

        assertThat(all).doesNotHaveDuplicates();
        assertThat(all.size()).as("claimed by the test's claimers (the app's poller may take a few)")
                .isGreaterThan(JOBS / 2);
        List<Job> leased = QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
        Map<Long, Instant> dueAt = leased.stream().collect(Collectors.toMap(job -> job.id, job -> job.dueAt));
        assertThat(all).allMatch(id -> dueAt.get(id).isAfter(Instant.now().plusSeconds(30)));
    }
}
