package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The tier's images per minute as a rolling window, counted in the database so that all workers share it. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class SubmissionRateTest {

    /** Far ahead, so the running worker's own counting neither sees these seconds nor deletes them. */
    private static final Instant FUTURE = Instant.parse("2100-01-01T00:00:00Z");

    @Inject
    SubmissionRate rate;
    @Inject
    TierLimits limits;
    @Inject
    EntityManager entityManager;

    @AfterEach
    void forgetTheFuture() {
        QuarkusTransaction.requiringNew().run(() -> Job.getEntityManager()
                .createNativeQuery("delete from submission_seconds where second >= ?1").setParameter(1, FUTURE)
                .executeUpdate());
    }

    @Test
    void submissionsOfTwoWorkersAddUpInTheWindow() {
        int perMinute = limits.imagesPerMinute();
        used(perMinute - 10, FUTURE.plusSeconds(5));
        used(7, FUTURE.plusSeconds(20));

        assertThat(room(FUTURE.plusSeconds(30))).isEqualTo(3);
    }

    @Test
    void aSubmissionLeavesTheWindowOnlyOnceSixtyOneSecondsHavePassedSinceTheEndOfItsSecond() {
        int perMinute = limits.imagesPerMinute();
        used(perMinute, FUTURE.plusMillis(50_300));

        assertThat(room(FUTURE.plusSeconds(60))).isZero();
        assertThat(room(FUTURE.plusSeconds(111))).as("61 s after 50.3 s, still within 61 s of its second's end").isZero();
        assertThat(room(FUTURE.plusMillis(112_000))).isEqualTo(perMinute);
    }

    @Test
    void aSubmitAnswered429LeavesTheWindowForItCreatedNothingAndTeachesTheRateItCameAt() {
        int perMinute = limits.imagesPerMinute();
        SubmissionRate ownRate = new SubmissionRate(entityManager, limits, new RecentSubmits()); // the running worker's must not learn from the future
        QuarkusTransaction.requiringNew().run(() -> ownRate.used(perMinute, FUTURE.plusSeconds(5)));
        QuarkusTransaction.requiringNew().run(() -> ownRate.rateLimited(FUTURE.plusMillis(5_200), Optional.empty(), FUTURE.plusSeconds(6)));

        assertThat(submissionsIn(FUTURE.plusSeconds(5))).isEqualTo(perMinute - 1);
        assertThat(ownRate.learnedLimit()).isEqualTo(perMinute - 1);
        assertThat(QuarkusTransaction.requiringNew().call(() -> ownRate.room(FUTURE.plusMillis(6_900)))).as("paused").isZero();
        assertThat(QuarkusTransaction.requiringNew().call(() -> ownRate.room(FUTURE.plusSeconds(30))))
                .as("the window is as full as WaveSpeed said").isZero();
    }

    @Test
    void anAnsweredSubmissionCountsFromItsAnswerForWaveSpeedCountedItNoEarlier() {
        int perMinute = limits.imagesPerMinute();
        used(perMinute, FUTURE.plusSeconds(5));
        QuarkusTransaction.requiringNew().run(() -> rate.started(FUTURE.plusMillis(5_300), FUTURE.plusMillis(20_100)));

        assertThat(submissionsIn(FUTURE.plusSeconds(5))).isEqualTo(perMinute - 1);
        assertThat(submissionsIn(FUTURE.plusSeconds(20))).isEqualTo(1);
        assertThat(room(FUTURE.plusMillis(67_500))).as("the claims have left, the answered one has not").isEqualTo(perMinute - 1);
        assertThat(room(FUTURE.plusMillis(82_500))).isEqualTo(perMinute);
    }

    @Test
    void secondsTheWindowHasLeftAreDeleted() {
        used(1, FUTURE);
        used(1, FUTURE.plusSeconds(30));
        used(1, FUTURE.plus(Duration.ofSeconds(63)));

        long seconds = QuarkusTransaction.requiringNew().call(() -> ((Number) Job.getEntityManager()
                .createNativeQuery("select count(*) from submission_seconds where second >= ?1").setParameter(1, FUTURE)
                .getSingleResult()).longValue());
        assertThat(seconds).isEqualTo(2);
    }

    private long submissionsIn(Instant second) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Job.getEntityManager()
                .createNativeQuery("select submissions from submission_seconds where second = ?1").setParameter(1, second)
                .getSingleResult()).longValue());
    }

    private void used(int n, Instant at) {
        QuarkusTransaction.requiringNew().run(() -> rate.used(n, at));
    }

    private int room(Instant at) {
        return QuarkusTransaction.requiringNew().call(() -> rate.room(at));
    }
}
