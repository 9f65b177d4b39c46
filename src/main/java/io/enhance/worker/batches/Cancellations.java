package io.enhance.worker.batches;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.enhance.worker.batches.JobActionResult.Result;
import io.enhance.worker.events.JobEvents;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * An operator cancels jobs not yet submitted, one or a whole batch; jobs already submitted run to the
 * end. Every cancellation is recorded in the job's transitions and announced by an event written in the
 * same transaction.
 */
@ApplicationScoped
public class Cancellations {

    private static final Logger LOG = Logger.getLogger(Cancellations.class);
    /** Jobs cancelled per transaction when a whole batch is. */
    private static final int CHUNK = 500;

    private final EntityManager entityManager;
    private final JobOutcomes outcomes;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final JobStore store;

    Cancellations(EntityManager entityManager, JobOutcomes outcomes, JobEvents events, DatabaseClock clock,
            JobStore store) {
        this.entityManager = entityManager;
        this.outcomes = outcomes;
        this.events = events;
        this.clock = clock;
        this.store = store;
    }

    public JobActionResult cancelJob(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Job> found = store.lockByJobId(jobId);
            if (found.isEmpty()) {
                return new JobActionResult(jobId, Result.NOT_FOUND, null, "no job " + jobId);
            }
            return cancel(found.get(), "cancelled by operator");
        });
    }

    /**
     * Cancels every job of the batch not yet submitted, and any that arrives for it later; jobs already
     * submitted run to the end.
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
        Map<String, Long> jobs = new LinkedHashMap<>();
        jobs.put("cancelled", (long) cancelHeldJobs(batchId));
        long running = QuarkusTransaction.requiringNew().call(() -> store.countInBatch(batchId, JobStatus.RUNS_TO_END));
        jobs.put("runs_to_end", running);
        LOG.infof("Batch %s cancelled: %d jobs cancelled, %d already submitted run to the end", batchId,
                jobs.get("cancelled"), running);
        return Optional.of(new BatchActionResult(batchId, "cancel", jobs, running == 0 ? "cancelled"
                : running + " job(s) already submitted to WaveSpeed cannot be cancelled there and run to the end"));
    }

    /** Cancels what arrived for a cancelled batch since it was cancelled (intake, a retry): one of the hold sweep's chores. */
    public void cancelLateArrivals() {
        List<String> cancelled = QuarkusTransaction.requiringNew()
                .call(() -> store.cancelledBatchesWithJobsIn(JobStatus.CANCELLABLE));
        cancelled.forEach(this::cancelHeldJobs);
    }

    private JobActionResult cancel(Job job, String detail) {
        if (JobStatus.CANCELLABLE.contains(job.status)) {
            outcomes.cancel(job, detail);
            return new JobActionResult(job.jobId, Result.CANCELLED, job.status, "cancelled");
        }
        if (job.status.isTerminal()) {
            return new JobActionResult(job.jobId, Result.ALREADY_ENDED, job.status, "already "
                    + job.status.name().toLowerCase(Locale.ROOT));
        }
        return new JobActionResult(job.jobId, Result.RUNS_TO_END, job.status, "already submitted to WaveSpeed"
                + (job.predictionId == null ? "" : " as prediction " + job.predictionId)
                + "; a task cannot be cancelled there, so the job runs to the end");
    }

    /** Cancels, a chunk per transaction, the jobs of a cancelled batch that were not submitted (also a rejected canary's). */
    int cancelHeldJobs(String batchId) {
        int cancelled = 0;
        while (true) {
            int chunk = QuarkusTransaction.requiringNew().call(() -> {
                List<Job> jobs = store.lockInBatch(batchId, JobStatus.CANCELLABLE, 0, CHUNK);
                jobs.forEach(job -> outcomes.cancel(job, "cancelled by operator with batch " + batchId));
                return jobs.size();
            });
            cancelled += chunk;
            if (chunk < CHUNK) {
                return cancelled;
            }
        }
    }
}
