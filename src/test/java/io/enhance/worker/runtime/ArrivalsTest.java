package io.enhance.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** An answer the database could not take stays queued, and under way, so that shutdown waits for it. */
class ArrivalsTest {

    private final Rounds rounds = new Rounds();
    private final Arrivals<String> arrivals = new Arrivals<>(rounds, new Wakeups(rounds, new AfterCommit(null)), Stage.SUBMIT);

    @Test
    void keepsWhatCouldNotBeWrittenUnderWayUntilItIs() throws InterruptedException {
        Consumer<String> first = arrivals.expect();
        Consumer<String> second = arrivals.expect();
        first.accept("a");
        second.accept("b");

        arrivals.writeArrived(items -> Set.of(items.indexOf("b")));
        assertThat(arrivals.waiting()).isEqualTo(1);
        assertThat(rounds.underWay()).isEqualTo(1);

        List<String> written = new ArrayList<>();
        try {
            arrivals.writeArrived(items -> {
                throw new IllegalStateException("the database is away");
            });
        } catch (IllegalStateException expected) {
            // the stage's round fails; the answer stays
        }
        assertThat(rounds.stopAndAwait(Duration.ofMillis(200))).as("shutdown waits for the answer").isFalse();

        arrivals.writeArrived(items -> {
            written.addAll(items);
            return Set.of();
        });
        assertThat(written).containsExactly("b");
        assertThat(rounds.underWay()).isZero();
        assertThat(rounds.stopAndAwait(Duration.ofMillis(200))).isTrue();
    }
}
