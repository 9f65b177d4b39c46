package io.enhance.worker.jobs;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.DatabaseClock;

/**
 * The only way a job reaches a final state: the state and its outcome event are written in the
 * caller's transaction, so one never exists without the other.
 */
@ApplicationScoped
public class JobOutcomes {

    private final Event<JobEnded> ended;
    private final DatabaseClock clock;
    private final WorkerMetrics metrics;

    JobOutcomes(Event<JobEnded> ended, DatabaseClock clock, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.clock = clock;
        this.ended = ended;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void complete(Job job, List<StoredOutput> stored, BigDecimal cost) {
        job.completed(stored, cost, clock.now());
        ended(job, false);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void fail(Job job, String code, String message) {
        boolean heldASlot = JobStatus.IN_FLIGHT.contains(job.status);
        job.failed(new JobError(code, message), clock.now());
        ended(job, heldASlot);
    }

    /**
     * Fails a job whose outputs WaveSpeed flagged, all of them stored aside at {@code heldAside} for review
     * ({@code output_flagged}); its task was paid, and the spend stays recorded.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void holdForReview(Job job, List<StoredOutput> heldAside) {
        job.heldForReview(heldAside, clock.now());
        ended(job, false);
    }

    /** Fails a job whose current attempt provably created no task: it cost nothing, so a retry is free. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void failBeforeAnyTask(Job job, String code, String message) {
        boolean heldASlot = JobStatus.IN_FLIGHT.contains(job.status);
        job.failedBeforeAnyTask(new JobError(code, message), clock.now());
        ended(job, heldASlot);
    }

    /** An operator cancels a job that was not submitted; it ends with a {@code job.cancelled} event. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void cancel(Job job, String detail) {
        job.cancelled(clock.now(), detail);
        ended(job, false);
    }

    /**
     * Ends a CANCELLING job whose task has ended upstream without outputs: deleted by the worker
     * ({@code upstreamCancelled}), or ended or gone on its own. Its slot is free again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void cancelUpstream(Job job, boolean upstreamCancelled, String detail) {
        job.upstreamCancelled = upstreamCancelled;
        job.cancelled(clock.now(), detail);
        ended(job, true);
    }

    private void ended(Job job, boolean heldASlot) {
        // the outbox observes this synchronously and writes the outcome event in this transaction
        ended.fire(new JobEnded(job, heldASlot));
        metrics.finished(WorkerMetrics.label(job.status), Duration.between(job.createdAt, job.finishedAt));
    }
}
