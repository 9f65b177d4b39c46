package io.enhance.worker.runtime;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Runs each stage's round on a thread of its own, whenever work for it arrives: a stage that hands a
 * job on wakes the next one, so a job crosses the pipeline without waiting for any tick. Every stage
 * also has a periodic sweep (its {@code @Scheduled} task wakes it), the safety net for work another
 * worker committed and for anything a wake-up missed. Wakes while a round runs fold into one more round.
 * Whatever a round throws, an {@link Error} too, the loop goes on and the next wake-up runs a new round.
 */
@ApplicationScoped
public class Wakeups {

    private static final Logger LOG = Logger.getLogger(Wakeups.class);
    /** Rounds in a row that ended in an Error before the stage counts as not working ({@link StageReadiness}). */
    static final int ERRORS_BEFORE_NOT_READY = 3;

    private final Map<Stage, Loop> loops = new EnumMap<>(Stage.class);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "stage-timer"));
    private final Rounds rounds;
    private final AfterCommit afterCommit;

    Wakeups(Rounds rounds, AfterCommit afterCommit) {
        this.rounds = rounds;
        this.afterCommit = afterCommit;
    }

    /** Makes {@code round} the work of {@code stage}; a stage registers once, at startup. */
    public synchronized void register(Stage stage, Runnable round) {
        if (loops.containsKey(stage)) {
            throw new IllegalStateException(stage + " registered twice");
        }
        loops.put(stage, new Loop(stage, round));
    }

    /** Runs a round of {@code stage} soon; a no-op before the stage has registered. */
    public void wake(Stage stage) {
        Loop loop = loop(stage);
        if (loop != null) {
            loop.wake();
        }
    }

    /**
     * Wakes {@code stage} once the caller's transaction has committed, since before that the stage
     * would not see the work; at once when there is no transaction.
     */
    public void wakeAfterCommit(Stage stage) {
        afterCommit.run(() -> wake(stage));
    }

    /** Wakes {@code stage} after {@code delay}, unless a wake-up no later than that is already set. */
    public void wakeIn(Stage stage, Duration delay) {
        Loop loop = loop(stage);
        if (loop != null) {
            loop.wakeIn(delay);
        }
    }

    /**
     * What the last round of {@code stage} failed with, if that and the {@link #ERRORS_BEFORE_NOT_READY} rounds
     * before it all ended in an Error: a stage that cannot run holds its jobs up however often it is woken.
     */
    public Optional<String> failingWith(Stage stage) {
        Loop loop = loop(stage);
        return loop == null || loop.errorsInARow.get() < ERRORS_BEFORE_NOT_READY ? Optional.empty()
                : Optional.of(loop.lastError);
    }

    /** The loop of {@code stage}, or null before the stage has registered. */
    private synchronized Loop loop(Stage stage) {
        return loops.get(stage);
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
        synchronized (this) {
            loops.values().forEach(loop -> loop.thread.shutdown());
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    private final class Loop {

        private static final int IDLE = 0;
        private static final int RUNNING = 1;
        private static final int RUN_AGAIN = 2;
        private static final long NONE = Long.MAX_VALUE;

        private final Stage stage;
        private final Runnable round;
        private final ExecutorService thread;
        private final AtomicInteger state = new AtomicInteger(IDLE);
        private final AtomicLong timedWakeAt = new AtomicLong(NONE); // System.nanoTime() of the earliest pending timer
        private final AtomicInteger errorsInARow = new AtomicInteger();
        private volatile String lastError;

        Loop(Stage stage, Runnable round) {
            this.stage = stage;
            this.round = round;
            this.thread = Executors.newSingleThreadExecutor(
                    runnable -> daemon(runnable, "stage-" + stage.name().toLowerCase()));
        }

        void wake() {
            int seen;
            do {
                seen = state.get();
                if (seen == RUN_AGAIN) {
                    return;
                }
            } while (!state.compareAndSet(seen, seen == IDLE ? RUNNING : RUN_AGAIN));
            if (seen == IDLE) {
                try {
                    thread.execute(this::run);
                } catch (RejectedExecutionException stopped) {
                    state.set(IDLE);
                }
            }
        }

        void wakeIn(Duration delay) {
            long at = System.nanoTime() + delay.toNanos();
            long set = timedWakeAt.get();
            if (set != NONE && set - at <= 0) {
                return; // a wake-up no later than this one is pending
            }
            if (timedWakeAt.compareAndSet(set, at)) {
                try {
                    timer.schedule(() -> {
                        timedWakeAt.compareAndSet(at, NONE);
                        wake();
                    }, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopped) {
                    // shutting down
                }
            }
        }

        private void run() {
            do {
                state.set(RUNNING);
                if (rounds.started()) {
                    runRound();
                }
            } while (!state.compareAndSet(RUNNING, IDLE));
        }

        /** An Error escaping here would leave the loop RUNNING with no thread: the stage would never run again. */
        private void runRound() {
            try {
                rounds.during(() -> {
                    round.run();
                    return null;
                });
                int failed = errorsInARow.getAndSet(0);
                if (failed > 0) {
                    LOG.infof("%s runs again, after %d round(s) that ended in an Error", stage, failed);
                }
            } catch (RuntimeException e) {
                LOG.warnf("A round of %s failed; the next wake-up or sweep tries again: %s", stage, e.toString());
            } catch (Throwable e) {
                lastError = e.toString();
                if (errorsInARow.getAndIncrement() == 0) { // once per episode; the rounds after it only count
                    LOG.errorf(e, "A round of %s ended in %s; every wake-up and sweep tries again, and readiness is DOWN"
                            + " while it keeps failing", stage, e.toString());
                }
            }
        }
    }
}
