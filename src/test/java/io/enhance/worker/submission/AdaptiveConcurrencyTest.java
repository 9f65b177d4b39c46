package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;


class AdaptiveConcurrencyTest {

    private final AtomicLong nanos = new AtomicLong();
    private static final QueuedUpstream QUEUED = new QueuedUpstream(Duration.ofSeconds(12));
    private final AdaptiveConcurrency silver = new AdaptiveConcurrency(new TierLimits(300, 500), nanos::get);

    @Test
    void startsAtTheTiersConcurrency() {
        assertThat(silver.cap()).isEqualTo(300);
    }

    @Test
    void aBurstOfQueuedPredictionsWithinASecondIsOneCutOfThirtyPercent() {
        for (int i = 0; i < 50; i++) {
            silver.onUpstreamQueueing(QUEUED);
            tick(Duration.ofMillis(10));
        }
        assertThat(silver.cap()).isEqualTo(210);

        tick(Duration.ofSeconds(1));
        silver.onUpstreamQueueing(QUEUED);
        assertThat(silver.cap()).isEqualTo(147);
    }

    @Test
    void neverFallsBelowTheFloorHoweverLongTheTrouble() {
        for (int second = 0; second < 60; second++) {
            silver.onUpstreamQueueing(QUEUED);
            tick(Duration.ofSeconds(1));
        }
        assertThat(silver.cap()).isEqualTo(2);
        AdaptiveConcurrency bronzeOfOne = new AdaptiveConcurrency(new TierLimits(1, 2), nanos::get);
        bronzeOfOne.onUpstreamQueueing(QUEUED);
        assertThat(bronzeOfOne.cap()).isEqualTo(1);
    }

    @Test
    void growsBackAHundredthOfTheTierPerQuietSecondUpToTheTierAndNoFurther() {
        silver.onUpstreamQueueing(QUEUED);
        silver.onAccepted();
        assertThat(silver.cap()).as("no growth in the second of a cut").isEqualTo(210);

        for (int second = 1; second <= 29; second++) {
            tick(Duration.ofSeconds(1));
            silver.onAccepted();
            silver.onAccepted(); // a second acceptance in the same second adds nothing
        }
        assertThat(silver.cap()).isEqualTo(210 + 29 * 3);
        for (int second = 0; second < 10; second++) {
            tick(Duration.ofSeconds(1));
            silver.onAccepted();
        }
        assertThat(silver.cap()).isEqualTo(300);
    }

    @Test
    void aCutRightAfterGrowthStillHappens() {
        silver.onUpstreamQueueing(QUEUED);
        tick(Duration.ofSeconds(1));
        silver.onAccepted();
        silver.onUpstreamQueueing(QUEUED);
        assertThat(silver.cap()).isEqualTo(213 * AdaptiveConcurrency.CUT_TENTHS / 10);
    }

    private void tick(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
