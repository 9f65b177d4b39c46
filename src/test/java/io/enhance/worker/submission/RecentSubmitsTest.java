package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The overview's counts of the last five minutes forget each answer five minutes after it came. */
class RecentSubmitsTest {

    private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);
    private final RecentSubmits recent = new RecentSubmits(millis::get);

    @Test
    void countsAnswersAndRateLimitsForFiveMinutesThenForgetsThem() {
        recent.answered(false);
        recent.answered(true);
        advanceSeconds(120);
        recent.answered(true);
        assertThat(recent.answered()).isEqualTo(3);
        assertThat(recent.rateLimited()).isEqualTo(2);

        advanceSeconds(181);
        assertThat(recent.answered()).as("the first two are over five minutes old").isEqualTo(1);
        assertThat(recent.rateLimited()).isEqualTo(1);

        advanceSeconds(299); // ten minutes after the first two: their bucket is used again
        recent.answered(false);
        assertThat(recent.answered()).as("a bucket used again counts only its new second").isEqualTo(1);
        assertThat(recent.rateLimited()).isZero();
    }

    @Test
    void countsTheLastSecondsAloneWhenAskedForAShorterPeriod() {
        recent.answered(false);
        advanceSeconds(5);
        recent.answered(true);
        recent.answered(true);
        advanceSeconds(6);
        assertThat(recent.answered(Duration.ofSeconds(10))).as("the first is 11 s old").isEqualTo(2);
        assertThat(recent.rateLimited(Duration.ofSeconds(10))).isEqualTo(2);
        assertThat(recent.answered()).isEqualTo(3);
    }

    private void advanceSeconds(long seconds) {
        millis.addAndGet(seconds * 1000);
    }
}
