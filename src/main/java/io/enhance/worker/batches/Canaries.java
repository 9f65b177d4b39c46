package io.enhance.worker.batches;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.events.JobEvents;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobError;
import io.enhance.worker.jobs.JobEnded;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.Rows;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * A canary before the big spend: a batch that asks for one ({@code canary: N} on a request, or
 * {@link #setCanary}) submits its first N jobs, in arrival order, and holds the rest as AWAITING_APPROVAL.
 * When the N have ended, {@code batch.awaiting_approval} carries their outcomes and cost, written in the
 * transaction that ended the last of them. An operator then approves (the rest is queued,
 * {@code batch.approved}) or rejects (the rest is cancelled and nothing more is paid, {@code batch.rejected}).
 */
@ApplicationScoped
public class Canaries {

    private static final Logger LOG = Logger.getLogger(Canaries.class);

    /** An approval or rejection the batch's canary does not allow, with the reason. */
    public static final class Refused extends RuntimeException {

        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    private final EntityManager entityManager;
    private final JobStore store;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final Event<JobsResumed> released;
    private final Cancellations cancellations;

    Canaries(EntityManager entityManager, JobStore store, Cancellations cancellations, JobEvents events,
            DatabaseClock clock, Event<JobsResumed> released) {
        this.entityManager = entityManager;
        this.store = store;
        this.cancellations = cancellations;
        this.events = events;
        this.clock = clock;
        this.released = released;
    }

    /**
     * Gives a batch whose jobs have not arrived yet a canary of {@code jobs}; the same canary again changes nothing.
     *
     * @throws Refused when the batch has a different canary, or jobs already
     */
    public BatchActionResult setCanary(String batchId, int jobs) {
        return QuarkusTransaction.requiringNew().call(() -> {
            entityManager.createNativeQuery("insert into batches (batch_key) values (?1) on conflict do nothing")
                    .setParameter(1, batchId).executeUpdate();
            Object given = entityManager.createNativeQuery("select canary_jobs from batches where batch_key = ?1 for update")
                    .setParameter(1, batchId).getSingleResult();
            if (given != null && ((Number) given).intValue() != jobs) {
                throw new Refused("batch " + batchId + " already has a canary of " + given + " jobs");
            }
            if (given == null && store.countInBatch(batchId, EnumSet.allOf(JobStatus.class)) > 0) {
                throw new Refused("batch " + batchId + " already has jobs; a canary is set before they arrive"
                        + " (or by the first request's canary field)");
            }
            entityManager.createNativeQuery("update batches set canary_jobs = ?2 where batch_key = ?1")
                    .setParameter(1, batchId).setParameter(2, jobs).executeUpdate();
            return new BatchActionResult(batchId, "canary", Map.of("canary", (long) jobs),
                    "its first " + jobs + " jobs are submitted; the rest waits for approve or reject");
        });
    }

    /** One job of a batch's canary: where it stands, and its outputs once it has them. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CanaryJob(String jobId, String status, List<StoredOutput> outputs, JobError error, BigDecimal costUsd) {
    }

    /** The batch's canary, in arrival order: empty while none of its jobs was released, or without a canary. */
    public List<CanaryJob> canaryOf(String batchId) {
        return QuarkusTransaction.requiringNew().call(() -> store.canaryOf(batchId).stream()
                .map(job -> new CanaryJob(job.jobId, job.status.name().toLowerCase(Locale.ROOT),
                        job.outputs == null ? List.of() : job.outputs, job.error().orElse(null), job.spendUsd))
                .toList());
    }

    /**
     * Queues the first jobs of batches whose canary is short of jobs, and every job awaiting approval of
     * approved batches (those stored while the approval committed): one of the hold sweep's chores.
     */
    public void release() {
        List<JobStore.CanaryToRelease> batches = QuarkusTransaction.requiringNew().call(store::canariesToRelease);
        for (JobStore.CanaryToRelease batch : batches) {
            QuarkusTransaction.requiringNew().run(() -> {
                // two workers releasing one batch's canary take turns, so that it never gets more than its jobs
                entityManager.createNativeQuery("select cast(pg_advisory_xact_lock(hashtext(?1)) as text)")
                        .setParameter(1, "canary/" + batch.batchId()).getSingleResult();
                Instant now = clock.now();
                long queued = batch.approved() ? store.releaseApproved(batch.batchId(), now)
                        : store.releaseCanary(batch.batchId(), batch.canaryJobs(), now);
                if (queued > 0) {
                    released.fire(new JobsResumed(queued));
                }
            });
        }
    }

    /**
     * When the last job of a canary ends, writes {@code batch.awaiting_approval} in the same transaction,
     * once: the batch's row is locked, so that the last two ending at once see each other's end.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void onJobEnded(@Observes JobEnded ended) {
        Job job = ended.job();
        if (!job.canary || job.batchId == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery("select canary_jobs, expected_jobs from batches"
                + " where batch_key = ?1 and canary_ended_at is null and approved_at is null and rejected_at is null"
                + " for update").setParameter(1, job.batchId).getResultList();
        if (rows.isEmpty()) {
            return;
        }
        int canaryJobs = ((Number) rows.get(0)[0]).intValue();
        // a batch smaller than its canary has only that many to wait for
        long expected = rows.get(0)[1] == null ? canaryJobs : Math.min(canaryJobs, Rows.number(rows.get(0)[1]));
        List<Job> canary = store.canaryOf(job.batchId);
        if (canary.size() < expected || !canary.stream().allMatch(member -> member.status.isTerminal())) {
            return;
        }
        Instant now = clock.now();
        entityManager.createNativeQuery("update batches set canary_ended_at = ?2 where batch_key = ?1")
                .setParameter(1, job.batchId).setParameter(2, now).executeUpdate();
        long awaiting = store.countInBatch(job.batchId, JobStatus.AWAITING_DECISION);
        events.batchAwaitingApproval(job.batchId, awaitingApprovalData(job.batchId, canaryJobs, canary, awaiting), now);
        LOG.infof("Batch %s: its canary of %d jobs has ended; %d jobs await approve or reject", job.batchId,
                canary.size(), awaiting);
    }

    private static Map<String, Object> awaitingApprovalData(String batchId, int canaryJobs, List<Job> canary,
            long awaiting) {
        BigDecimal cost = BigDecimal.ZERO;
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (Job member : canary) {
            cost = cost.add(member.spendUsd);
            Map<String, Object> outcome = new LinkedHashMap<>();
            outcome.put("job_id", member.jobId);
            outcome.put("status", member.status.name().toLowerCase(Locale.ROOT));
            outcome.put("outputs", member.outputs == null ? List.of() : member.outputs.stream()
                    .map(output -> Map.of("bucket", output.bucket(), "key", output.key())).toList());
            outcome.put("error", member.error().map(error -> Map.of("code", error.code(), "message", error.message()))
                    .orElse(null));
            outcome.put("cost_usd", member.spendUsd);
            jobs.add(outcome);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("batch_id", batchId);
        data.put("canary", canaryJobs);
        data.put("jobs", jobs);
        data.put("cost_usd", cost);
        data.put("awaiting_approval", awaiting);
        return data;
    }

    /**
     * Releases the rest of the batch: its jobs awaiting approval are queued and submitted as usual, and
     * so is any that arrives for it later. Approving again changes nothing.
     *
     * @return empty when there is no such batch
     * @throws Refused when it has no canary, or it was rejected
     */
    public Optional<BatchActionResult> approve(String batchId) {
        Optional<Boolean> newly = decide(batchId, true);
        if (newly.isEmpty()) {
            return Optional.empty();
        }
        long queued = QuarkusTransaction.requiringNew().call(() -> {
            long moved = store.releaseApproved(batchId, clock.now());
            if (moved > 0) {
                released.fire(new JobsResumed(moved));
            }
            return moved;
        });
        LOG.infof("Batch %s: canary approved, %d jobs queued", batchId, queued);
        return Optional.of(new BatchActionResult(batchId, "approve", Map.of("queued", queued),
                newly.get() ? "approved; the rest of the batch is submitted" : "already approved"));
    }

    /**
     * Cancels the rest of the batch: every job not submitted yet, and any that arrives for it later, so
     * that nothing more is paid. Rejecting again changes nothing.
     *
     * @return empty when there is no such batch
     * @throws Refused when it has no canary, or it was approved
     */
    public Optional<BatchActionResult> reject(String batchId) {
        Optional<Boolean> newly = decide(batchId, false);
        if (newly.isEmpty()) {
            return Optional.empty();
        }
        // a rejected batch is a cancelled one: its jobs not submitted are cancelled as the batch's
        long cancelled = cancellations.cancelHeldJobs(batchId);
        LOG.infof("Batch %s: canary rejected, %d jobs cancelled", batchId, cancelled);
        return Optional.of(new BatchActionResult(batchId, "reject", Map.of("cancelled", cancelled),
                newly.get() ? "rejected; the rest of the batch is cancelled" : "already rejected"));
    }

    /**
     * Records the decision and writes its event, in one transaction of its own; a rejected batch is a
     * cancelled one, so that what arrives for it later is cancelled too.
     *
     * @return whether this call decided (false: decided so before); empty when there is no such batch
     */
    private Optional<Boolean> decide(String batchId, boolean approve) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = entityManager.createNativeQuery("select canary_jobs, approved_at, rejected_at"
                    + " from batches where batch_key = ?1 for update").setParameter(1, batchId).getResultList();
            if (rows.isEmpty()) {
                return Optional.<Boolean> empty();
            }
            Object[] row = rows.get(0);
            if (row[0] == null) {
                throw new Refused("batch " + batchId + " has no canary to approve or reject");
            }
            if (row[approve ? 2 : 1] != null) {
                throw new Refused("batch " + batchId + "'s canary was already " + (approve ? "rejected" : "approved"));
            }
            if (row[approve ? 1 : 2] != null) {
                return Optional.of(false);
            }
            Instant now = clock.now();
            entityManager.createNativeQuery(approve ? "update batches set approved_at = ?2 where batch_key = ?1"
                    : "update batches set rejected_at = ?2, cancelled_at = coalesce(cancelled_at, ?2) where batch_key = ?1")
                    .setParameter(1, batchId).setParameter(2, now).executeUpdate();
            long awaiting = store.countInBatch(batchId, JobStatus.AWAITING_DECISION);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("batch_id", batchId);
            data.put("canary", ((Number) row[0]).intValue());
            data.put("awaiting_approval", awaiting);
            events.operatorAction(approve ? "batch.approved" : "batch.rejected", batchId, data, now);
            return Optional.of(true);
        });
    }
}
