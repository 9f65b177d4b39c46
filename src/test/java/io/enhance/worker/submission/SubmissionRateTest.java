package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The tier's images per minute, counted in the database so that all workers share it. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class SubmissionRateTest {

    /** Far ahead, so the running worker's own counting neither sees these minutes nor deletes them. */
    private static final Instant FUTURE = Instant.parse("2100-01-01T00:00:00Z");

    @Inject
    SubmissionRate rate;
    @Inject
    TierLimits limits;

    @AfterEach
    void forgetTheFuture() {
        QuarkusTransaction.requiringNew().run(() -> Job.getEntityManager()
                .createNativeQuery("delete from submission_minutes where minute >= ?1").setParameter(1, FUTURE)
                .executeUpdate());
    }

    @Test
    void submissionsOfTwoWorkersAddUpInTheMinute() {
        int perMinute = limits.imagesPerMinute();
        QuarkusTransaction.requiringNew().run(() -> rate.used(perMinute - 10, FUTURE.plusSeconds(5)));
        QuarkusTransaction.requiringNew().run(() -> rate.used(7, FUTURE.plusSeconds(20)));

        assertThat(QuarkusTransaction.requiringNew().call(() -> rate.room(FUTURE.plusSeconds(30)))).isEqualTo(3);
    }

    @Test
    void thePreviousMinuteCountsForThePartOfItStillInsideTheLastSixtySeconds() {
        int perMinute = limits.imagesPerMinute();
        QuarkusTransaction.requiringNew().run(() -> rate.used(perMinute, FUTURE.plusSeconds(50)));

        assertThat(room(FUTURE.plusSeconds(60))).isZero();
        assertThat(room(FUTURE.plusSeconds(75))).isEqualTo(perMinute / 4);
        assertThat(room(FUTURE.plusSeconds(120))).isEqualTo(perMinute);
    }

    @Test
    void minutesTheWindowHasLeftAreDeleted() {
        QuarkusTransaction.requiringNew().run(() -> rate.used(1, FUTURE));
        QuarkusTransaction.requiringNew().run(() -> rate.used(1, FUTURE.plus(Duration.ofMinutes(1))));
        QuarkusTransaction.requiringNew().run(() -> rate.used(1, FUTURE.plus(Duration.ofMinutes(2))));

        long minutes = QuarkusTransaction.requiringNew().call(() -> ((Number) Job.getEntityManager()
                .createNativeQuery("select count(*) from submission_minutes where minute >= ?1").setParameter(1, FUTURE)
                .getSingleResult()).longValue());
        assertThat(minutes).isEqualTo(2);
    }

    @Test
    void theWindowNeverGivesNegativeRoom() {
        assertThat(SubmissionRate.room(10, 30, 30, 0)).isZero();
    }

    private int room(Instant at) {
        return QuarkusTransaction.requiringNew().call(() -> rate.room(at));
    }
}
