package io.enhance.worker.batches;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;

import io.enhance.worker.batches.JobActionResult.Result;
import io.enhance.worker.events.JobEvents;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * An operator retries failed jobs, one or a whole batch's, without paying twice by accident: a job
 * whose failure may have left a paid task behind, or whose outputs are gone, is retried only when asked
 * to pay again. Every retry is recorded in the job's transitions and announced by an event written in
 * the same transaction.
 */
@ApplicationScoped
public class Retries {

    /** Jobs retried per transaction when a whole batch is. */
    private static final int CHUNK = 500;

    private final EntityManager entityManager;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final Event<JobRetried> retried;
    private final JobStore store;

    Retries(EntityManager entityManager, JobEvents events, DatabaseClock clock, Event<JobRetried> retried, JobStore store) {
        this.entityManager = entityManager;
        this.events = events;
        this.clock = clock;
        this.retried = retried;
        this.store = store;
    }

    /**
     * Retries the chosen failed jobs. One whose failure may have left a paid task behind, or whose outputs are
     * gone, is retried only with {@code payAgain}; see {@link Job#retried}.
     */
    public List<JobActionResult> retryJobs(Collection<String> jobIds, boolean payAgain) {
        List<JobActionResult> results = new ArrayList<>();
        for (String jobId : jobIds) {
            results.add(QuarkusTransaction.requiringNew().call(() -> store.lockByJobId(jobId)
                    .map(job -> retry(job, payAgain))
                    .orElseGet(() -> new JobActionResult(jobId, Result.NOT_FOUND, null, "no job " + jobId))));
        }
        return results;
    }

    /** Retries the failed jobs of a batch, all of them, a chunk per transaction. */
    public Optional<BatchActionResult> retryBatch(String batchId, boolean payAgain) {
        if (!batchExists(batchId)) {
            return Optional.empty();
        }
        Map<String, Long> jobs = new LinkedHashMap<>();
        long lastId = 0;
        while (true) {
            long after = lastId;
            List<Job> chunk = QuarkusTransaction.requiringNew().call(() -> {
                List<Job> failed = store.lockInBatch(batchId, Set.of(JobStatus.FAILED), after, CHUNK);
                failed.forEach(job -> jobs.merge(lower(retry(job, payAgain).result()), 1L, Long::sum));
                return failed;
            });
            if (chunk.size() < CHUNK) {
                break;
            }
            lastId = chunk.get(chunk.size() - 1).id;
        }
        long refused = jobs.getOrDefault("refused", 0L);
        return Optional.of(new BatchActionResult(batchId, "retry", jobs, refused == 0 ? "retried"
                : refused + " failed job(s) may have paid for a task already, or their outputs are gone, and were not"
                        + " retried; retry with pay_again to submit them again and pay again"));
    }

    private JobActionResult retry(Job job, boolean payAgain) {
        if (job.status != JobStatus.FAILED) {
            return new JobActionResult(job.jobId, Result.REFUSED, job.status, "only failed jobs are retried; this one is "
                    + lower(job.status));
        }
        if (job.batchId != null && batchCancelled(job.batchId)) {
            return new JobActionResult(job.jobId, Result.REFUSED, job.status, "its batch is cancelled");
        }
        Instant now = clock.now();
        Job.RetryKind kind = job.retryKind(now);
        if (kind == Job.RetryKind.PAYS_AGAIN && !payAgain) {
            return new JobActionResult(job.jobId, Result.REFUSED, job.status, payAgainReason(job, now)
                    + "; retry with pay_again to submit it again and pay again");
        }
        String previousError = job.errorCode;
        job.retried(payAgain, now);
        events.jobRetried(job, previousError, kind);
        retried.fire(new JobRetried(kind));
        return new JobActionResult(job.jobId, Result.RETRIED, job.status, switch (kind) {
            case REDELIVER -> "its prediction had finished: the outputs are copied again, nothing is paid";
            case FREE -> "no paid task was left behind: submitted again at no extra cost";
            case PAYS_AGAIN -> "submitted again, paying again as asked";
        });
    }

    private static String payAgainReason(Job job, Instant now) {
        String prediction = job.predictionId == null ? "" : " (prediction " + job.predictionId + ")";
        if (Job.OUTPUT_FLAGGED.equals(job.errorCode)) {
            return "its outputs were flagged as NSFW and held for review" + prediction
                    + ": a retry submits a new task and pays for it again";
        }
        if (job.predictionOutputs == null || !job.outputsGone(now)) {
            return "its failure (" + job.errorCode + ") may have left a paid task behind" + prediction;
        }
        return "its outputs are gone at WaveSpeed" + prediction + ": " + (Job.OUTPUTS_UNAVAILABLE.equals(job.errorCode)
                ? "their URL answered that they are unavailable" : "it deletes them " + Job.OUTPUTS_KEPT_UPSTREAM.toDays()
                + " days after submission") + ", and only a new task makes them again";
    }

    private boolean batchExists(String batchId) {
        return QuarkusTransaction.requiringNew().call(() -> !entityManager.createNativeQuery(
                "select 1 from batches where batch_key = ?1").setParameter(1, batchId).getResultList().isEmpty());
    }

    private boolean batchCancelled(String batchId) {
        return !entityManager.createNativeQuery("select 1 from batches where batch_key = ?1 and cancelled_at is not null")
                .setParameter(1, batchId).getResultList().isEmpty();
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
