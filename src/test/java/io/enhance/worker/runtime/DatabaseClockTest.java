package io.enhance.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A worker whose own clock runs wrong still goes by PostgreSQL's: leases and due times are shared across workers. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class DatabaseClockTest {

    private static final Duration AHEAD = Duration.ofMinutes(10);

    @Inject
    DatabaseClock clock;

    @Inject
    JobClaims claims;

    private final String jobId = "clock-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void putTheClockRight() {
        clock.useLocalClock(Clock.systemUTC());
        QuarkusTransaction.requiringNew().run(() -> Job.delete("jobId", jobId));
    }

    @Test
    void readsPostgresqlsTimeThoughTheMachinesClockRunsTenMinutesAhead() {
        clock.useLocalClock(Clock.offset(Clock.systemUTC(), AHEAD));

        assertThat(Duration.between(databaseNow(), clock.now()).abs()).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aWorkerWhoseClockRunsAheadTakesNoJobBeforeItIsDue() {
        Instant dueInTwoMinutes = databaseNow().plus(Duration.ofMinutes(2));
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = StoredJobs.queued(jobId, null, Map.of("prompt", "p", "image", "https://x.test/a.png"), "enhanced", "",
                    null, null, dueInTwoMinutes);
            job.startSubmission(dueInTwoMinutes, Duration.ZERO, "test", BigDecimal.ZERO);
            job.submitted("unknown-" + jobId, BigDecimal.ZERO, dueInTwoMinutes, dueInTwoMinutes, "test");
        });

        clock.useLocalClock(Clock.offset(Clock.systemUTC(), AHEAD));

        assertThat(claims.claim(JobStatus.TRACKED)).extracting(job -> job.jobId).doesNotContain(jobId);
        Job stored = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
        assertThat(stored.leaseOwner).isNull();
        assertThat(stored.dueAt).isEqualTo(dueInTwoMinutes);
    }

    private static Instant databaseNow() {
        BigDecimal epochSeconds = QuarkusTransaction.requiringNew().call(() -> new BigDecimal(Job.getEntityManager()
                .createNativeQuery("select extract(epoch from clock_timestamp())").getSingleResult().toString()));
        return Instant.ofEpochSecond(epochSeconds.longValue(),
                epochSeconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
    }
}
