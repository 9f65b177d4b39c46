package io.enhance.worker.batches;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.events.JobEvents;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.SubmissionHolds;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * What an operator can do: cancel jobs not yet submitted, retry failed ones without paying twice by
 * accident, and pause or resume submissions for a batch or for all. Every change is recorded in the
 * jobs' transitions and announced by an event written in the same transaction.
 */
@ApplicationScoped
public class OperatorActions {

    private static final Logger LOG = Logger.getLogger(OperatorActions.class);
    /** Jobs changed per transaction when a whole batch is cancelled or retried. */
    private static final int CHUNK = 500;
    private static final Set<JobStatus> CANCELLABLE = JobStatus.allowedBefore(JobStatus.CANCELLED);
    private static final Set<JobStatus> PAUSABLE = EnumSet.of(JobStatus.QUEUED, JobStatus.HELD_BUDGET);

    private final EntityManager entityManager;
    private final JobOutcomes outcomes;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final Wakeups wakeups;

    OperatorActions(EntityManager entityManager, JobOutcomes outcomes, JobEvents events, DatabaseClock clock,
            Wakeups wakeups) {
        this.entityManager = entityManager;
        this.outcomes = outcomes;
        this.events = events;
        this.clock = clock;
        this.wakeups = wakeups;
    }

    /** What an action did to one job. */
    public enum Result {
        CANCELLED,
        /** Already submitted upstream, where it cannot be cancelled: it runs to the end. */
        RUNS_TO_END,
        ALREADY_ENDED,
        RETRIED,
        /** A task that may have been its own was assigned to it by an operator. */
        ASSIGNED,
        REFUSED,
        NOT_FOUND
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobActionResult(String jobId, Result result, JobStatus status, String message) {
    }

    /** What an action on a whole batch did. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BatchActionResult(String batchId, String action, Map<String, Long> jobs, String message) {
    }

    // --- cancel

    public JobActionResult cancelJob(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Job> found = Job.<Job> find("jobId", jobId).withLock(LockModeType.PESSIMISTIC_WRITE)
                    .firstResultOptional();
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
        long running = QuarkusTransaction.requiringNew().call(() -> Rows.number(entityManager.createNativeQuery(
                "select count(*) from jobs where batch_id = ?1 and status in (?2)")
                .setParameter(1, batchId).setParameter(2, names(runningStatuses())).getSingleResult()));
        jobs.put("runs_to_end", running);
        LOG.infof("Batch %s cancelled: %d jobs cancelled, %d already submitted run to the end", batchId,
                jobs.get("cancelled"), running);
        return Optional.of(new BatchActionResult(batchId, "cancel", jobs, running == 0 ? "cancelled"
                : running + " job(s) already submitted to WaveSpeed cannot be cancelled there and run to the end"));
    }

    private JobActionResult cancel(Job job, String detail) {
        if (CANCELLABLE.contains(job.status)) {
            outcomes.cancel(job, detail);
            return new JobActionResult(job.jobId, Result.CANCELLED, job.status, "cancelled");
        }
        if (job.status.isTerminal()) {
            return new JobActionResult(job.jobId, Result.ALREADY_ENDED, job.status, "already " + lower(job.status));
        }
        return new JobActionResult(job.jobId, Result.RUNS_TO_END, job.status, "already submitted to WaveSpeed"
                + (job.predictionId == null ? "" : " as prediction " + job.predictionId)
                + "; a task cannot be cancelled there, so the job runs to the end");
    }

    /** Cancels, a chunk per transaction, the jobs of a cancelled batch that were not submitted. */
    private int cancelHeldJobs(String batchId) {
        int cancelled = 0;
        while (true) {
            int chunk = QuarkusTransaction.requiringNew().call(() -> {
                List<Job> jobs = Job.<Job> find("batchId = ?1 and status in ?2 order by id", batchId, CANCELLABLE)
                        .withLock(LockModeType.PESSIMISTIC_WRITE).page(0, CHUNK).list();
                jobs.forEach(job -> outcomes.cancel(job, "cancelled by operator with batch " + batchId));
                return jobs.size();
            });
            cancelled += chunk;
            if (chunk < CHUNK) {
                return cancelled;
            }
        }
    }

    // --- retry

    /**
     * Retries the chosen failed jobs. One whose failure may have left a paid task behind, or whose outputs are
     * gone, is retried only with {@code payAgain}; see {@link Job#retried}.
     */
    public List<JobActionResult> retryJobs(Collection<String> jobIds, boolean payAgain) {
        List<JobActionResult> results = new ArrayList<>();
        for (String jobId : jobIds) {
            results.add(QuarkusTransaction.requiringNew().call(() -> Job.<Job> find("jobId", jobId)
                    .withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional()
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
                List<Job> failed = Job.<Job> find("batchId = ?1 and status = ?2 and id > ?3 order by id", batchId,
                        JobStatus.FAILED, after).withLock(LockModeType.PESSIMISTIC_WRITE).page(0, CHUNK).list();
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
        wakeups.wakeAfterCommit(kind == Job.RetryKind.REDELIVER ? Stage.DELIVER : Stage.SUBMIT);
        return new JobActionResult(job.jobId, Result.RETRIED, job.status, switch (kind) {
            case REDELIVER -> "its prediction had finished: the outputs are copied again, nothing is paid";
            case FREE -> "no paid task was left behind: submitted again at no extra cost";
            case PAYS_AGAIN -> "submitted again, paying again as asked";
        });
    }

    private static String payAgainReason(Job job, Instant now) {
        String prediction = job.predictionId == null ? "" : " (prediction " + job.predictionId + ")";
        if (job.predictionOutputs == null || !job.outputsGone(now)) {
            return "its failure (" + job.errorCode + ") may have left a paid task behind" + prediction;
        }
        return "its outputs are gone at WaveSpeed" + prediction + ": " + (Job.OUTPUTS_UNAVAILABLE.equals(job.errorCode)
                ? "their URL answered that they are unavailable" : "it deletes them " + Job.OUTPUTS_KEPT_UPSTREAM.toDays()
                + " days after submission") + ", and only a new task makes them again";
    }

    // --- pause and resume

    public Optional<BatchActionResult> pauseBatch(String batchId) {
        return controlBatch(batchId, true);
    }

    public Optional<BatchActionResult> resumeBatch(String batchId) {
        return controlBatch(batchId, false);
    }

    /** Pauses submissions for every batch; jobs already submitted go on. */
    public BatchActionResult pauseAll() {
        return controlAll(true);
    }

    public BatchActionResult resumeAll() {
        return controlAll(false);
    }

    private Optional<BatchActionResult> controlBatch(String batchId, boolean pause) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.now();
            var update = entityManager.createNativeQuery(pause
                    ? "update batches set paused_at = coalesce(paused_at, ?2) where batch_key = ?1"
                    : "update batches set paused_at = null where batch_key = ?1").setParameter(1, batchId);
            if (pause) {
                update.setParameter(2, now);
            }
            if (update.executeUpdate() == 0) {
                return Optional.<BatchActionResult> empty();
            }
            Map<String, Long> moved = applyHolds(now, batchId);
            events.operatorAction(pause ? "batch.paused" : "batch.resumed", batchId, eventData(batchId, moved), now);
            return Optional.of(new BatchActionResult(batchId, pause ? "pause" : "resume", moved,
                    pause ? "paused; jobs already submitted go on" : "resumed"));
        });
    }

    private BatchActionResult controlAll(boolean pause) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.now();
            var update = entityManager.createNativeQuery(pause
                    ? "update submission_controls set paused_at = coalesce(paused_at, ?1)"
                    : "update submission_controls set paused_at = null");
            if (pause) {
                update.setParameter(1, now);
            }
            update.executeUpdate();
            Map<String, Long> moved = applyHolds(now, null);
            events.operatorAction(pause ? "submissions.paused" : "submissions.resumed", "submissions",
                    eventData(null, moved), now);
            return new BatchActionResult(null, pause ? "pause" : "resume", moved,
                    pause ? "submissions paused; jobs already submitted go on" : "submissions resumed");
        });
    }

    private static Map<String, Object> eventData(String batchId, Map<String, Long> moved) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("batch_id", batchId);
        data.put("jobs", moved);
        return data;
    }

    /**
     * Runs about once a second while any hold is set: pauses jobs that intake stored or a retry queued
     * just as a hold was set, resumes any left paused after it was lifted, and cancels what arrives for a
     * cancelled batch.
     */
    @Scheduled(every = "${pipeline.batch-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void enforceHolds() {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                // with no hold set, no queued job can be held: the pause statement would only scan the backlog
                if (anyHoldSet()) {
                    applyHolds(clock.now(), null);
                } else {
                    resumeUnheld(clock.now(), null);
                }
            });
            @SuppressWarnings("unchecked")
            List<String> cancelled = QuarkusTransaction.requiringNew().call(() -> entityManager.createNativeQuery(
                    "select batch_key from batches where cancelled_at is not null and exists (select 1 from jobs"
                            + " where batch_id = batch_key and status in (?1))")
                    .setParameter(1, names(CANCELLABLE)).getResultList());
            cancelled.forEach(this::cancelHeldJobs);
        } catch (RuntimeException e) {
            LOG.warnf("Operator holds not applied this time (tried again in a second): %s", e.toString());
        }
    }

    /**
     * Moves queued jobs that a hold now covers to PAUSED and paused jobs no hold covers back to QUEUED,
     * in one statement each, recording every move as a transition: the jobs of {@code batchId}, or all jobs if null.
     */
    private Map<String, Long> applyHolds(Instant now, String batchId) {
        Map<String, Long> moved = new LinkedHashMap<>();
        moved.put("paused", move(PAUSABLE, JobStatus.PAUSED, SubmissionHolds.held("batch_id"), batchId,
                SubmissionHolds.PAUSED, now));
        moved.put("resumed", resumeUnheld(now, batchId));
        return moved;
    }

    /** Moves paused jobs that no hold covers any more back to QUEUED, and wakes submission for them. */
    private long resumeUnheld(Instant now, String batchId) {
        long resumed = move(EnumSet.of(JobStatus.PAUSED), JobStatus.QUEUED, "not " + SubmissionHolds.held("batch_id"),
                batchId, SubmissionHolds.RESUMED, now);
        if (resumed > 0) {
            wakeups.wakeAfterCommit(Stage.SUBMIT);
        }
        return resumed;
    }

    private boolean anyHoldSet() {
        return (Boolean) entityManager.createNativeQuery("select exists (select 1 from submission_controls"
                + " where paused_at is not null) or exists (select 1 from batches where paused_at is not null"
                + " or cancelled_at is not null)").getSingleResult();
    }

    private long move(Set<JobStatus> from, JobStatus to, String condition, String batchId, String detail, Instant now) {
        if (!from.stream().allMatch(status -> status.canMoveTo(to))) {
            throw new IllegalStateException("the transition table does not allow " + from + " -> " + to);
        }
        var query = entityManager.createNativeQuery("""
                with target as (
                    select id, status from jobs where status in (?1) and %s and %s order by id for update
                ), moved as (
                    update jobs j set status = ?2, updated_at = ?3, version = j.version + 1, lease_owner = null
                    from target where j.id = target.id returning j.id, target.status as from_status
                )
                insert into job_transitions (id, job, from_status, to_status, at, detail)
                select nextval('job_transitions_seq'), id, from_status, ?2, ?3, ?4 from moved"""
                .formatted(batchId == null ? "true" : "batch_id = ?5", condition))
                .setParameter(1, names(from))
                .setParameter(2, to.name())
                .setParameter(3, now)
                .setParameter(4, detail);
        if (batchId != null) {
            query.setParameter(5, batchId);
        }
        return query.executeUpdate();
    }

    private boolean batchExists(String batchId) {
        return QuarkusTransaction.requiringNew().call(() -> !entityManager.createNativeQuery(
                "select 1 from batches where batch_key = ?1").setParameter(1, batchId).getResultList().isEmpty());
    }

    private boolean batchCancelled(String batchId) {
        return !entityManager.createNativeQuery("select 1 from batches where batch_key = ?1 and cancelled_at is not null")
                .setParameter(1, batchId).getResultList().isEmpty();
    }

    private static Set<JobStatus> runningStatuses() {
        Set<JobStatus> running = EnumSet.copyOf(JobClaims.IN_FLIGHT);
        running.add(JobStatus.DELIVERING);
        return running;
    }

    private static List<String> names(Collection<JobStatus> statuses) {
        return statuses.stream().map(JobStatus::name).toList();
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
