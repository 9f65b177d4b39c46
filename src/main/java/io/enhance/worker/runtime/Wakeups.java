package io.enhance.worker.runtime;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
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
 */
@ApplicationScoped
public class Wakeups {

    private static final Logger LOG = Logger.getLogger(Wakeups.class);

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
                    try {
                        rounds.during(() -> {
                            round.run();
                            return null;
                        });
                    } catch (RuntimeException e) {
                        LOG.warnf("A round of %s failed; the next wake-up or sweep tries again: %s", stage, e.toString());
                    }
                }
            } while (!state.compareAndSet(RUNNING, IDLE));
        }
    }
}
