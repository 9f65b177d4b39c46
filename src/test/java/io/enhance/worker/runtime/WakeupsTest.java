package io.enhance.worker.runtime;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A stage's loop outlives whatever its rounds throw. */
class WakeupsTest {

    private static final Duration SOON = Duration.ofSeconds(5);

    private final Rounds rounds = StartedRounds.started();
    private final Wakeups wakeups = new Wakeups(rounds, new AfterCommit(null));

    @AfterEach
    void stop() {
        wakeups.stop();
    }

    @Test
    void aStageWhoseRoundEndsInAnErrorRunsItsNextRoundAtTheNextWakeUp() {
        AtomicInteger started = new AtomicInteger();
        wakeups.register(Stage.DELIVER, () -> {
            if (started.incrementAndGet() == 1) {
                throw new OutOfMemoryError("injected: Java heap space");
            }
        });

        wakeups.wake(Stage.DELIVER);
        await().atMost(SOON).untilAtomic(started, equalTo(1));
        wakeups.wake(Stage.DELIVER);

        await().atMost(SOON).untilAtomic(started, equalTo(2));
        await().atMost(SOON).until(() -> rounds.underWay() == 0); // the failed round does not hold shutdown up
    }
}
