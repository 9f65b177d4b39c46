package io.enhance.worker.jobs;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;

/**
 * The only way a job reaches a final state: the state and its outcome event are written in the
 * caller's transaction, so one never exists without the other.
 */
@ApplicationScoped
public class JobOutcomes {

    private final Event<JobEnded> ended;
    private final DatabaseClock clock;
    private final Wakeups wakeups;
    private final WorkerMetrics metrics;

    JobOutcomes(Event<JobEnded> ended, DatabaseClock clock, Wakeups wakeups, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.wakeups = wakeups;
        this.clock = clock;
        this.ended = ended;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void complete(Job job, List<StoredOutput> stored, BigDecimal cost) {
        job.completed(stored, cost, clock.now());
        ended(job);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void fail(Job job, String code, String message) {
        boolean heldASlot = JobClaims.IN_FLIGHT.contains(job.status);
        job.failed(new JobError(code, message), clock.now());
        finished(job, heldASlot);
    }

    /** Fails a job whose current attempt provably created no task: it cost nothing, so a retry is free. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void failBeforeAnyTask(Job job, String code, String message) {
        boolean heldASlot = JobClaims.IN_FLIGHT.contains(job.status);
        job.failedBeforeAnyTask(new JobError(code, message), clock.now());
        finished(job, heldASlot);
    }

    /** An operator cancels a job that was not submitted; it ends with a {@code job.cancelled} event. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void cancel(Job job, String detail) {
        job.cancelled(clock.now(), detail);
        ended(job);
    }

    private void finished(Job job, boolean heldASlot) {
        ended(job);
        if (heldASlot) {
            wakeups.wakeAfterCommit(Stage.SUBMIT);
        }
    }

    private void ended(Job job) {
        // the outbox observes this synchronously and writes the outcome event in this transaction
        ended.fire(new JobEnded(job));
        metrics.finished(WorkerMetrics.label(job.status), Duration.between(job.createdAt, job.finishedAt));
    }
}
