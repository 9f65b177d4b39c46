package io.enhance.worker.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.LeaseHandBack;
import io.enhance.worker.runtime.LogEpisode;
import io.enhance.worker.runtime.WorkerIdentity;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Hands out due jobs so that no two workers hold the same job: rows are locked with
 * {@code FOR UPDATE SKIP LOCKED} and their due time is pushed past a lease before the lock is
 * released. Work on a claimed job happens outside any transaction; its result is written back
 * with {@link #update}, which checks that this worker still holds the job. The statements are
 * {@link JobStore}'s; this class decides leases, limits and transactions.
 */
@ApplicationScoped
public class JobClaims implements LeaseHandBack {

    private static final Logger LOG = Logger.getLogger(JobClaims.class);
    /** Rows that failed one by one, none written, after which the rest are not tried: the database is failing. */
    private static final int FAILURES_BEFORE_GIVING_UP_ONE_BY_ONE = 3;

    private final LogEpisode notWritten = new LogEpisode(LOG, "Results the database would not take; they are kept and "
            + "written again", Duration.ofMinutes(1));
    private final PipelineConfig pipeline;
    private final WorkerIdentity worker;
    private final SpendingCaps caps;
    private final DatabaseClock clock;
    private final FairQueue fairQueue;
    private final WorkerMetrics metrics;
    private final JobStore store;

    JobClaims(PipelineConfig pipeline, WorkerIdentity worker, SpendingCaps caps, DatabaseClock clock, FairQueue fairQueue,
            WorkerMetrics metrics, JobStore store) {
        this.store = store;
        this.metrics = metrics;
        this.fairQueue = fairQueue;
        this.clock = clock;
        this.pipeline = pipeline;
        this.worker = worker;
        this.caps = caps;
    }

    /** Most jobs one claim hands out. */
    public int claimSize() {
        return pipeline.claimSize();
    }

    /** Claims up to a claim's worth of due jobs in {@code status}, in a transaction of its own. */
    public List<Job> claim(JobStatus status) {
        return claim(Set.of(status));
    }

    /** Claims up to {@code limit} due jobs in {@code status} (no more than a batch), in a transaction of its own. */
    public List<Job> claim(JobStatus status, int limit) {
        return claim(Set.of(status), limit);
    }

    /** Claims up to {@code limit} due jobs in one of {@code statuses} (no more than a batch), in a transaction of its own. */
    public List<Job> claim(Set<JobStatus> statuses, int limit) {
        return claimWithDueTimes(statuses, limit).stream().map(Claimed::job).toList();
    }

    /** A claimed job and when it had fallen due, before the claim pushed its due time past the lease. */
    public record Claimed(Job job, Instant wasDue) {
    }

    /** As {@link #claim(Set, int)}, with the time each job had fallen due. */
    public List<Claimed> claimWithDueTimes(Set<JobStatus> statuses, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return timed(WorkerMetrics.Claim.STAGE, () -> QuarkusTransaction.requiringNew()
                .call(() -> {
                    Instant now = clock.now();
                    return store.claimDue(statuses, now.plus(pipeline.leaseDuration()), worker.name(), now,
                            Math.min(limit, pipeline.claimSize()), true);
                }));
    }

    private <T> T timed(WorkerMetrics.Claim claim, Supplier<T> round) {
        long started = System.nanoTime();
        try {
            return round.get();
        } finally {
            metrics.claimed(claim, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** Claims up to a claim's worth of due jobs in one of {@code statuses}, in a transaction of its own. */
    public List<Job> claim(Set<JobStatus> statuses) {
        return claim(statuses, pipeline.claimSize());
    }

    /** When the earliest job in one of {@code statuses} falls due, if any is waiting. */
    public Optional<Instant> nextDue(Set<JobStatus> statuses) {
        return QuarkusTransaction.requiringNew().call(() -> store.nextDue(statuses));
    }

    /** The submissions per minute all workers may still make; called under the claim's advisory lock. */
    public interface Rate {

        int room(Instant now);

        void used(int submissions, Instant now);
    }

    /**
     * Claims queued jobs for submission, no more than the free in-flight slots under {@code cap}, the
     * {@code rate} and the spending caps allow, recording the attempt; a job the caps do not allow is held
     * instead. Claims of all workers take turns (an advisory lock), so that no limit can be passed by two claiming at once.
     */
    public List<Job> claimForSubmission(int cap, Rate rate) {
        return timed(WorkerMetrics.Claim.SUBMISSION, () -> QuarkusTransaction.requiringNew().call(() -> {
            store.takeSubmissionClaimLock();
            int free = (int) Math.max(0, cap - store.countIn(JobStatus.IN_FLIGHT));
            Instant now = clock.now();
            SpendingCaps.Budget budget = caps.budget(now);
            List<Job> claimed = new ArrayList<>();
            int limit = Math.min(Math.min(free, rate.room(now)), pipeline.claimSize());
            List<Job> due = limit <= 0 ? List.of() : store.claimForSubmission(now.plus(pipeline.leaseDuration()),
                    worker.name(), now, limit).stream().map(Claimed::job).toList();
            due.stream().mapToLong(job -> job.batchRank).max().ifPresent(fairQueue::submitted);
            for (Job job : due) {
                Optional<SpendingCaps.Hold> hold = budget.reserve(job);
                if (hold.isPresent()) {
                    if (job.status == JobStatus.QUEUED) {
                        LOG.warnf("Job %s held: %s", job.jobId, hold.get().reason());
                    }
                    job.holdForBudget(hold.get().reason(), hold.get().recheckAt(), now);
                    continue;
                }
                if (job.status == JobStatus.HELD_BUDGET) {
                    job.releaseFromBudgetHold(now);
                }
                job.startSubmission(now, pipeline.leaseDuration(), worker.name(), caps.price());
                claimed.add(job);
            }
            rate.used(claimed.size(), now);
            return claimed;
        }));
    }

    /** Extends this worker's hold on a claimed job to a whole lease from {@code now}, as if it were claimed now. */
    public void renewLease(Job held, Instant now) {
        held.dueAt = now.plus(pipeline.leaseDuration());
    }

    /**
     * What a write-back of many results did: the indexes it wrote, and those the database failed on,
     * which the caller keeps and writes again. A result whose job has moved on counts as neither.
     */
    public record WriteBack(Set<Integer> written, Set<Integer> failed) {

        static WriteBack allFailed(int size) {
            return new WriteBack(Set.of(), IntStream.range(0, size).boxed().collect(Collectors.toSet()));
        }
    }

    /**
     * Applies {@code change} to each claimed job that this worker still holds in the state it was
     * claimed in ({@code change} gets the job's index in {@code claimed}), all in one transaction.
     */
    public WriteBack updateAll(List<Job> claimed, BiConsumer<Integer, Job> change) {
        return updateAll(claimed.stream().map(job -> job.id).toList(),
                (i, job) -> job.status == claimed.get(i).status && worker.name().equals(job.leaseOwner), change);
    }

    /** An answer to submit attempt {@code attempt} of job {@code id}. */
    public record AttemptAnswer(long id, int attempt) {
    }

    /**
     * Applies {@code change} to each job whose latest attempt is the one answered and that has no
     * task yet, whichever worker holds it now and whether or not settlement has looked at it: the answer
     * to an attempt is the truth about that attempt, and an answer to an older one changes nothing.
     */
    public WriteBack updateAttempts(List<AttemptAnswer> answered, BiConsumer<Integer, Job> change) {
        return updateAll(answered.stream().map(AttemptAnswer::id).toList(),
                (i, job) -> job.attempts == answered.get(i).attempt() && job.predictionId == null
                        && JobStatus.AWAITING_TASK.contains(job.status), change);
    }

    /**
     * Applies {@code change} to each job of {@code ids} that {@code applies}, all in one transaction.
     * Should that transaction fail, each job is tried in a transaction of its own, so that one bad row
     * cannot undo the others.
     */
    private WriteBack updateAll(List<Long> ids, BiPredicate<Integer, Job> applies, BiConsumer<Integer, Job> change) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                Map<Long, Job> held = store.lockAll(ids);
                Set<Integer> written = new HashSet<>();
                for (int i = 0; i < ids.size(); i++) {
                    Job job = held.get(ids.get(i));
                    if (job != null && applies.test(i, job)) {
                        change.accept(i, job);
                        written.add(i);
                    }
                }
                store.flush();
                return new WriteBack(written, Set.of());
            });
        } catch (RuntimeException batchFailed) {
            if (ids.size() == 1) {
                LOG.debugf("Writing a result failed: %s", batchFailed.toString());
                return WriteBack.allFailed(1);
            }
            LOG.debugf("Writing %d results at once failed, writing them one by one: %s", ids.size(), batchFailed.toString());
            Set<Integer> written = new HashSet<>();
            Set<Integer> failed = new HashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                if (written.isEmpty() && failed.size() >= FAILURES_BEFORE_GIVING_UP_ONE_BY_ONE) {
                    failed.add(i); // nothing can be written: the database is failing, not a row
                    continue;
                }
                int index = i;
                WriteBack one = updateAll(List.of(ids.get(i)), (ignored, job) -> applies.test(index, job),
                        (ignored, job) -> change.accept(index, job));
                if (!one.written().isEmpty()) {
                    written.add(i);
                } else if (!one.failed().isEmpty()) {
                    failed.add(i);
                }
            }
            if (!failed.isEmpty()) {
                notWritten.happened(failed.size() + " of " + ids.size() + ": " + batchFailed);
            }
            return new WriteBack(written, failed);
        }
    }

    /** Applies {@code change} to every job in {@code status} leased to {@code owner}, locked, in one transaction. */
    public void updateLeasedTo(String owner, JobStatus status, Consumer<Job> change) {
        QuarkusTransaction.requiringNew().run(() -> store.lockLeasedTo(owner, status).forEach(change));
    }

    /**
     * Makes every job leased to {@code owner} due now and unleased, for any worker to take on: at a
     * graceful shutdown, or once {@code owner} stopped beating. A SUBMITTING one is then settled.
     */
    @Override
    public int handBackLeases(String owner) {
        return QuarkusTransaction.requiringNew().call(() -> store.handBackLeases(owner, clock.now()));
    }

    /**
     * Applies {@code change} in a transaction of its own if this worker still holds the job in
     * {@code expected}; returns whether it did. A job whose lease ran out and went to another worker is left alone.
     */
    public boolean update(long id, JobStatus expected, Consumer<Job> change) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                Optional<Job> held = store.lock(id)
                        .filter(job -> job.status == expected && worker.name().equals(job.leaseOwner));
                held.ifPresent(change);
                return held.isPresent();
            });
        } catch (RuntimeException e) {
            LOG.warnf("Job %d not updated (will be retried when its lease runs out): %s", id, e.toString());
            return false;
        }
    }
}
