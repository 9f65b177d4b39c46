package io.enhance.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.enhance.worker.jobs.Job;

class CancelPaceTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theFirstDeleteLeavesAtOnceAndEachNextOneAnIntervalAfterTheLast() {
        CancelPace pace = new CancelPace(Duration.ofMillis(500));
        assertThat(pace.untilAllowed(7 * SECOND)).isZero();
        pace.called(7 * SECOND);
        assertThat(pace.untilAllowed(7 * SECOND)).isEqualTo(Duration.ofMillis(500));
        assertThat(pace.untilAllowed(7 * SECOND + SECOND / 5)).isEqualTo(Duration.ofMillis(300));
        assertThat(pace.untilAllowed(7 * SECOND + SECOND / 2)).isZero();
    }

    @Test
    void aFiftyThousandJobCancelDeletesNoMoreThanABatchPerIntervalHoweverOftenTheStageIsWoken() {
        CancelPace pace = new CancelPace(Duration.ofMillis(500));
        int batchSize = 100;
        int calls = 0;
        int backlog = 50_000;
        // the stage is woken every millisecond for ten seconds (nanoTime may be negative: only differences count)
        for (long now = -5 * SECOND; now < 5 * SECOND; now += 1_000_000L) {
            if (backlog > 0 && pace.untilAllowed(now).isZero()) {
                pace.called(now);
                calls++;
                backlog -= Math.min(batchSize, backlog);
            }
        }
        assertThat(calls).isEqualTo(20);
        assertThat(50_000 - backlog).as("tasks deleted in 10 s").isEqualTo(2_000);
    }

    @Test
    void aFailedDeleteIsRetriedAfterADelayThatDoublesUpToAMinute() {
        Job job = new Job();
        assertThat(DeleteCancelledTasks.retryDelay(job)).isEqualTo(Duration.ofSeconds(1));
        job.upstreamDeletes = 3;
        assertThat(DeleteCancelledTasks.retryDelay(job)).isEqualTo(Duration.ofSeconds(8));
        job.upstreamDeletes = DeleteCancelledTasks.MOST_DELETE_ATTEMPTS + 20;
        assertThat(DeleteCancelledTasks.retryDelay(job)).isEqualTo(Duration.ofMinutes(1));
    }
}
