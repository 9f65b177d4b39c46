package io.enhance.worker.batches;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.enhance.worker.batches.JobActionResult.Result;
import io.enhance.worker.events.JobEvents;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * An operator cancels jobs, one or a whole batch. A job not yet submitted ends CANCELLED at once; one whose
 * task runs upstream moves to CANCELLING, and the cancel stage deletes its task (it ends CANCELLED with
 * {@code upstream_cancelled}, or is delivered when the task finished first); one whose submission is still
 * unanswered is noted, and cancelled the same way once its task is known. Every cancellation is recorded in
 * the job's transitions and announced by an event written in the same transaction.
 */
@ApplicationScoped
public class Cancellations {

    private static final Logger LOG = Logger.getLogger(Cancellations.class);
    /** Jobs cancelled per transaction when a whole batch is. */
    private static final int CHUNK = 500;
    private static final String BY_OPERATOR = "cancelled by operator";

    private final EntityManager entityManager;
    private final JobOutcomes outcomes;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final JobStore store;
    private final Wakeups wakeups;

    Cancellations(EntityManager entityManager, JobOutcomes outcomes, JobEvents events, DatabaseClock clock,
            JobStore store, Wakeups wakeups) {
        this.entityManager = entityManager;
        this.outcomes = outcomes;
        this.events = events;
        this.clock = clock;
        this.store = store;
        this.wakeups = wakeups;
    }

    /** Cancels one job; called again, it answers how the cancellation ended. */
    public JobActionResult cancelJob(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Job> found = store.lockByJobId(jobId);
            if (found.isEmpty()) {
                return new JobActionResult(jobId, Result.NOT_FOUND, null, "no job " + jobId);
            }
            return cancel(found.get());
        });
    }

    /**
     * Cancels every job of the batch: those not yet submitted at once, and any that arrives for it later;
     * those whose task runs upstream by deleting it. Called again, it answers how far that has come.
     */
    public Optional<BatchActionResult> cancelBatch(String batchId) {
        Instant now = clock.now();
        boolean known = QuarkusTransaction.requiringNew().call(() -> {
            int marked = entityManager.createNativeQuery("update batches set cancelled_at = coalesce(cancelled_at, ?2)"
                    + " where batch_key = ?1").setParameter(1, batchId).setParameter(2, now).executeUpdate();
            if (marked > 0) {
                events.operatorAction("batch.cancelled", batchId, Map.of("batch_id", batchId), now);
            }
            return marked > 0;
        });
        if (!known) {
            return Optional.empty();
        }
        String detail = BY_OPERATOR + " with batch " + batchId;
        // noted first: a job whose submission is answered meanwhile is then a noted SUBMITTED one, which the
        // moves below or the hold sweep cancel, never one that runs to the end unnoticed
        QuarkusTransaction.requiringNew().run(() -> store.markCancelRequested(batchId, JobStatus.CANCELLED_ONCE_KNOWN, now));
        long cancelledNow = cancelHeldJobs(batchId);
        long deleting = inChunks(limit -> store.lockInBatch(batchId, JobStatus.CANCELLED_UPSTREAM, 0, limit),
                job -> job.cancellingUpstream(now, detail));
        JobStore.CancelOutcomes so = QuarkusTransaction.requiringNew().call(() -> store.cancelOutcomesOfBatch(batchId));
        Map<String, Long> jobs = new LinkedHashMap<>();
        jobs.put("cancelled", so.cancelled());
        jobs.put("upstream_cancelled", so.upstreamCancelled());
        jobs.put("cancelling", so.cancelling());
        jobs.put("delivered_before_cancel", so.deliveredBeforeCancel());
        if (cancelledNow + deleting > 0) {
            LOG.infof("Batch %s cancelled: %d jobs cancelled, %d running tasks to delete upstream", batchId,
                    cancelledNow, deleting);
        }
        return Optional.of(new BatchActionResult(batchId, "cancel", jobs, message(so)));
    }

    private static String message(JobStore.CancelOutcomes so) {
        StringBuilder message = new StringBuilder("cancelled: ").append(so.cancelled()).append(" job(s)");
        if (so.upstreamCancelled() > 0) {
            message.append(", of which ").append(so.upstreamCancelled()).append(" had their running task deleted at WaveSpeed");
        }
        if (so.cancelling() > 0) {
            message.append("; ").append(so.cancelling()).append(" task(s) still being deleted at WaveSpeed (ask again for the outcome)");
        }
        if (so.deliveredBeforeCancel() > 0) {
            message.append("; ").append(so.deliveredBeforeCancel())
                    .append(" task(s) had finished before their cancel arrived: paid for, so their outputs are delivered to S3");
        }
        return message.toString();
    }

    /**
     * One of the hold sweep's chores: cancels what arrived for a cancelled batch since it was cancelled (intake,
     * a retry), and the cancelled jobs whose task has become known since (an answer came, settlement bound it).
     */
    public void cancelLateArrivals() {
        List<String> cancelled = QuarkusTransaction.requiringNew()
                .call(() -> store.cancelledBatchesWithJobsIn(JobStatus.CANCELLABLE));
        cancelled.forEach(this::cancelHeldJobs);
        Instant now = clock.now();
        inChunks(limit -> store.lockCancelRequested(JobStatus.CANCELLABLE, 0, limit),
                job -> outcomes.cancel(job, BY_OPERATOR + " while its submission was unanswered: no task was created"));
        inChunks(limit -> store.lockCancelRequested(JobStatus.CANCELLED_UPSTREAM, 0, limit),
                job -> job.cancellingUpstream(now, BY_OPERATOR + " while its submission was unanswered"));
    }

    private JobActionResult cancel(Job job) {
        Instant now = clock.now();
        if (JobStatus.CANCELLABLE.contains(job.status)) {
            outcomes.cancel(job, BY_OPERATOR);
            return new JobActionResult(job.jobId, Result.CANCELLED, job.status, "cancelled before it was submitted: nothing paid");
        }
        if (JobStatus.CANCELLED_UPSTREAM.contains(job.status)) {
            job.cancellingUpstream(now, BY_OPERATOR);
            wakeups.wakeAfterCommit(Stage.CANCEL);
            return cancelling(job);
        }
        if (job.status == JobStatus.CANCELLING) {
            return cancelling(job);
        }
        if (JobStatus.CANCELLED_ONCE_KNOWN.contains(job.status)) {
            job.cancelRequested(now);
        }
        if (JobStatus.FINISHED_UPSTREAM.contains(job.status) && job.cancelRequestedAt != null) {
            return new JobActionResult(job.jobId, Result.DELIVERED_BEFORE_CANCEL, job.status, "prediction "
                    + job.predictionId + " had finished before its cancel arrived: paid for, so its outputs are "
                    + (job.status == JobStatus.COMPLETED ? "delivered to S3" : "being delivered to S3"));
        }
        if (job.status == JobStatus.CANCELLED) {
            return new JobActionResult(job.jobId, Result.ALREADY_ENDED, job.status, job.upstreamCancelled
                    ? "cancelled; its running task (prediction " + job.predictionId + ") was deleted at WaveSpeed"
                    : "already cancelled");
        }
        if (job.status.isTerminal()) {
            return new JobActionResult(job.jobId, Result.ALREADY_ENDED, job.status, "already "
                    + job.status.name().toLowerCase(Locale.ROOT));
        }
        return new JobActionResult(job.jobId, Result.CANCELLING, job.status, "its submission is still unanswered: once"
                + " its task is known it is deleted at WaveSpeed and the job cancelled (or, had it finished, delivered)");
    }

    private static JobActionResult cancelling(Job job) {
        return new JobActionResult(job.jobId, Result.CANCELLING, job.status, "its running task (prediction "
                + job.predictionId + ") is being deleted at WaveSpeed: the job ends CANCELLED, or COMPLETED if the task"
                + " finished before its delete arrived; cancel again to see which");
    }

    /** Cancels, a chunk per transaction, the jobs of a cancelled batch that were not submitted (also a rejected canary's). */
    long cancelHeldJobs(String batchId) {
        return inChunks(limit -> store.lockInBatch(batchId, JobStatus.CANCELLABLE, 0, limit),
                job -> outcomes.cancel(job, BY_OPERATOR + " with batch " + batchId));
    }

    /** Applies {@code change} to the jobs {@code lock} finds, a chunk per transaction, until a chunk comes back short. */
    private long inChunks(IntFunction<List<Job>> lock, Consumer<Job> change) {
        long changed = 0;
        boolean woke = false;
        while (true) {
            int chunk = QuarkusTransaction.requiringNew().call(() -> {
                List<Job> jobs = lock.apply(CHUNK);
                jobs.forEach(change);
                return jobs.size();
            });
            changed += chunk;
            if (chunk > 0 && !woke) {
                wakeups.wake(Stage.CANCEL);
                woke = true;
            }
            if (chunk < CHUNK) {
                return changed;
            }
        }
    }
}
