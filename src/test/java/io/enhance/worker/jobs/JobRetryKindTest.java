package io.enhance.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What a retry of a failed job would do: copy its outputs again while WaveSpeed has them, else pay again or not. */
class JobRetryKindTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final BigDecimal PRICE = new BigDecimal("0.025");

    @Test
    void redeliversOutputsWaveSpeedStillHasAndPaysAgainOnceItHasDeletedThem() {
        assertThat(finishedThenFailed("delivery_deadline_exceeded", NOW.minus(Duration.ofDays(7)).plusSeconds(1), false)
                .retryKind(NOW)).isEqualTo(Job.RetryKind.REDELIVER);
        assertThat(finishedThenFailed("delivery_deadline_exceeded", NOW.minus(Duration.ofDays(7)), false)
                .retryKind(NOW)).isEqualTo(Job.RetryKind.PAYS_AGAIN);
    }

    @Test
    void paysAgainForOutputsWhoseUrlAnsweredThatTheyAreUnavailableHoweverRecent() {
        assertThat(finishedThenFailed("output_unavailable", NOW.minus(Duration.ofMinutes(5)), false).retryKind(NOW))
                .isEqualTo(Job.RetryKind.PAYS_AGAIN);
    }

    @Test
    void alwaysRedeliversBase64OutputsForTheyAreKeptInTheJobItself() {
        assertThat(finishedThenFailed("output_invalid", NOW.minus(Duration.ofDays(30)), true).retryKind(NOW))
                .isEqualTo(Job.RetryKind.REDELIVER);
    }

    @Test
    void aFailureWithoutOutputsIsFreeOnlyWhenItsAttemptProvablyCreatedNothing() {
        Job refused = failedAttempt(BigDecimal.ZERO);
        Job mayHavePaid = failedAttempt(PRICE);

        assertThat(refused.retryKind(NOW)).isEqualTo(Job.RetryKind.FREE);
        assertThat(mayHavePaid.retryKind(NOW)).isEqualTo(Job.RetryKind.PAYS_AGAIN);
    }

    /** Its prediction, submitted at {@code submittedAt}, finished with one output; copying it failed with {@code errorCode}. */
    private static Job finishedThenFailed(String errorCode, Instant submittedAt, boolean base64) {
        Job job = failedAttempt(PRICE);
        job.input = base64 ? Map.of("prompt", "p", "enable_base64_output", true) : Map.of("prompt", "p");
        job.submittedAt = submittedAt;
        job.predictionOutputs = List.of(base64 ? "aGVsbG8=" : "https://outputs.example/0.jpeg");
        job.errorCode = errorCode;
        return job;
    }

    private static Job failedAttempt(BigDecimal spend) {
        Job job = new Job();
        job.status = JobStatus.FAILED;
        job.input = Map.of("prompt", "p");
        job.spendUsd = spend;
        job.errorCode = "prediction_failed";
        return job;
    }
}
