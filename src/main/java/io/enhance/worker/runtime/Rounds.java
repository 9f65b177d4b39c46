package io.enhance.worker.runtime;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.enhance.worker.config.PipelineConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * The rhythm of the worker's units of work: the periodic tasks' rounds and the handling of request
 * messages. It counts the units under way, so that shutdown can stop new ones and wait for the rest.
 */
@ApplicationScoped
public class Rounds {

    private final AtomicInteger underWay = new AtomicInteger();
    private final Object allEnded = new Object();
    private volatile boolean started;
    private volatile boolean stopping;

    /** Every stage, sweep and periodic task waits for this, so that one setting keeps a client process from working. */
    void started(@Observes StartupEvent event, PipelineConfig pipeline) {
        started = pipeline.enabled();
    }

    /**
     * Runs {@code round} (which returns how many items it handled) until it handles fewer than
     * {@code batchSize}, because a full batch means more may be waiting; stops early at shutdown.
     */
    public void repeatWhileFull(int batchSize, IntSupplier round) {
        during(() -> {
            while (!stopping && round.getAsInt() >= batchSize) {
                // the batch was full
            }
            return null;
        });
    }

    /** Runs one unit of work, counted as under way until it returns. */
    public <T> T during(Supplier<T> work) {
        underWay.incrementAndGet();
        try {
            return work.get();
        } finally {
            ended();
        }
    }

    /** Runs one unit of work that ends later, counted as under way until its stage completes. */
    public <T> CompletionStage<T> duringAsync(Supplier<CompletionStage<T>> work) {
        Runnable end = begin();
        try {
            return work.get().whenComplete((result, error) -> end.run());
        } catch (RuntimeException | Error e) {
            end.run();
            throw e;
        }
    }

    private void ended() {
        if (underWay.decrementAndGet() == 0) {
            synchronized (allEnded) {
                allEnded.notifyAll();
            }
        }
    }

    /**
     * Counts a unit of work that ends elsewhere, later (an HTTP call whose answer is still to be
     * written); run the returned action when it has ended. Running it again does nothing.
     */
    public Runnable begin() {
        underWay.incrementAndGet();
        AtomicBoolean ended = new AtomicBoolean();
        return () -> {
            if (!ended.getAndSet(true)) {
                ended();
            }
        };
    }

    /**
     * The application has started with the pipeline enabled (rounds under way at shutdown still run, to
     * write what they hold).
     */
    public boolean started() {
        return started;
    }

    /** Starts no new round from now on; answers whether every unit under way ended within {@code grace}. */
    public boolean stopAndAwait(Duration grace) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (allEnded) {
            for (long left = grace.toMillis(); underWay.get() > 0 && left > 0;
                    left = (deadline - System.nanoTime()) / 1_000_000) {
                allEnded.wait(left);
            }
        }
        return underWay.get() == 0;
    }

    public int underWay() {
        return underWay.get();
    }

    /** Before the application has started, with the pipeline off, or once shutdown has begun: no new work is claimed. */
    public boolean idle() {
        return !started || stopping;
    }

    /** Skips a task's execution before the application has started and once shutdown has begun. */
    @Singleton
    public static class Idle implements Scheduled.SkipPredicate {

        private final Rounds rounds;

        Idle(Rounds rounds) {
            this.rounds = rounds;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return rounds.idle(); // a method, not the fields: rounds is a client proxy
        }
    }
}
