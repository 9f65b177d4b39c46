package io.enhance.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Readiness names a stage that cannot run, rather than saying UP while its jobs wait for ever. */
class StageReadinessTest {

    private static final Duration SOON = Duration.ofSeconds(5);

    private final Wakeups wakeups = new Wakeups(StartedRounds.started(), new AfterCommit(null));
    private final StageReadiness readiness = new StageReadiness(wakeups);

    @AfterEach
    void stop() {
        wakeups.stop();
    }

    @Test
    void isDownNamingAStageWhoseRoundsKeepEndingInAnErrorAndUpAgainOnceARoundRunsThrough() {
        AtomicBoolean broken = new AtomicBoolean(true);
        AtomicInteger started = new AtomicInteger();
        wakeups.register(Stage.POLL, () -> {
            started.incrementAndGet();
            if (broken.get()) {
                throw new NoClassDefFoundError("io/enhance/worker/Missing");
            }
        });

        for (int round = 1; round <= Wakeups.ERRORS_BEFORE_NOT_READY; round++) {
            assertThat(readiness.call().getStatus()).as("after %d failed round(s)", round - 1).isEqualTo(Status.UP);
            wakeups.wake(Stage.POLL);
            await().atMost(SOON).untilAtomic(started, equalTo(round));
        }

        await().atMost(SOON).until(() -> readiness.call().getStatus() == Status.DOWN);
        assertThat(readiness.call().getData()).hasValueSatisfying(data -> assertThat(data)
                .containsEntry("poll", "every round ends in java.lang.NoClassDefFoundError: io/enhance/worker/Missing")
                .hasSize(1));

        broken.set(false);
        wakeups.wake(Stage.POLL);
        await().atMost(SOON).until(() -> readiness.call().getStatus() == Status.UP);
    }
}
