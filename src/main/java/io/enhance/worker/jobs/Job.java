package io.enhance.worker.jobs;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.annotations.Mutability;
import org.hibernate.type.SqlTypes;
import org.hibernate.type.descriptor.java.Immutability;

import io.enhance.worker.tracing.TraceContext;
import io.enhance.worker.tracing.TracedJob;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * An accepted job and where it stands. State only changes through the transition methods below,
 * which check {@link JobStatus}'s table and record every change; the version column makes a
 * concurrent writer fail instead of overwriting. JSON values are replaced, never changed in place,
 * so Hibernate compares them by reference instead of copying and re-reading each one on every load.
 */
@Entity
@Table(name = "jobs")
@DynamicUpdate // a write sends only the columns it changed, not every JSON column again
public class Job extends PanacheEntityBase {

    @Id
    @GeneratedValue(generator = "jobs_seq")
    @SequenceGenerator(name = "jobs_seq", sequenceName = "jobs_seq", allocationSize = 50)
    public Long id;

    /** Starts the transition detail of a job queued again because the account was refused. */
    static final String ACCOUNT_PAUSE = "account paused: ";
    /** WaveSpeed deletes a prediction and its outputs 7 days after it was created: then only a new, paid task makes them. */
    public static final Duration OUTPUTS_KEPT_UPSTREAM = Duration.ofDays(7);
    /** The delivery failure of outputs WaveSpeed no longer serves (their URL answered 403, 404, 410...). */
    public static final String OUTPUTS_UNAVAILABLE = "output_unavailable";
    /** The failure of a job whose outputs WaveSpeed flagged as NSFW, held for review instead of delivered. */
    public static final String OUTPUT_FLAGGED = "output_flagged";

    public String jobId;
    public String batchId;
    /** Higher goes first when slots are scarce; from the request, 0 unless it says otherwise. */
    public int priority;
    /** The job's turn within its priority: see {@link FairQueue}. */
    public long batchRank;
    /** One of its batch's canary: released for submission while the rest of the batch awaits approval. */
    public boolean canary;

    @Enumerated(EnumType.STRING)
    public JobStatus status;

    /** The model parameters exactly as they will be submitted (source image not yet presigned). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public Map<String, Object> input;

    public String outputBucket;
    public String outputKeyPrefix;
    /** The key of output 0 when the request named one ({@code output.key}, with its extension); else null. */
    public String outputKey;
    /** SHA-256 of the validated request the job was accepted with; null for jobs stored before it was kept. */
    public String requestDigest;
    /** The W3C trace context its later stages continue: its intake span's; null for jobs stored before V12. */
    public String traceParent;
    public String traceState;

    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public Map<String, String> metadata;

    /** The body of the current submit attempt as sent, the image URL without its query string; set before the POST leaves. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public Map<String, Object> submittedRequest;
    /** SHA-256 of {@link #submittedRequest}: jobs asking for the same thing share it. */
    public String requestFingerprint;
    public Instant attemptStartedAt;
    /**
     * When the failure of the current attempt was seen, or the latest its worker can have lived: a task it
     * created was created between {@link #attemptStartedAt} and this. Null while it is under way or answered.
     */
    public Instant attemptEndedAt;

    public String predictionId;
    /**
     * What the job asks for, model parameters and source content (see {@code reuse.ReuseKeys}); null while unknown,
     * and for requests that can never be served twice alike (a random seed, a URL source without {@code reuse: "by_url"}).
     */
    public String reuseKey;
    /** The request's {@code reuse}: null (the default), {@code off} or {@code by_url}. */
    public String reuseMode;
    /** The job whose stored outputs were copied as this one's, nothing paid; null for a job that ran its own task. */
    public String reusedFrom;
    /** WaveSpeed was asked to report this prediction by webhook; polling is then only a safety net. */
    public boolean webhookTracked;
    public int attempts;
    public int polls;
    public Instant dueAt;
    public String leaseOwner;

    /** Output URLs or base64 strings reported by WaveSpeed, kept until they are copied to S3. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public List<String> predictionOutputs;

    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public List<Boolean> hasNsfwContents;

    public Long inferenceMs;
    /** When the job last entered DELIVERING; null for jobs that entered it before this was kept. */
    public Instant deliveringAt;

    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public List<StoredOutput> outputs;

    public BigDecimal costUsd = BigDecimal.ZERO;
    /**
     * What this job's submissions may cost: {@link #paidBeforeUsd} plus the price from the moment an
     * attempt starts, unless that attempt provably created nothing.
     */
    public BigDecimal spendUsd = BigDecimal.ZERO;
    /** What the job's attempts before its last operator retry may have cost. */
    public BigDecimal paidBeforeUsd = BigDecimal.ZERO;
    /** Operator retries so far; each gives the next outcome event an id of its own. */
    public int retries;
    public String errorCode;

    /**
     * When an operator cancelled the job (or its batch) while a task of its may run upstream; null otherwise.
     * Such a job's task is deleted as soon as it is known, and one whose task finished first is delivered.
     */
    public Instant cancelRequestedAt;
    /** Delete calls tried for its task while {@link JobStatus#CANCELLING}: failures are retried a bounded number of times. */
    public int upstreamDeletes;
    /** Its task was deleted upstream before it finished: the job ended CANCELLED without outputs. */
    public boolean upstreamCancelled;

    @Column(columnDefinition = "text")
    public String errorMessage;

    @Version
    public long version;

    public Instant createdAt;
    public Instant updatedAt;
    public Instant submittedAt;
    public Instant finishedAt;

    /** Records a submit attempt before the POST leaves, so a crash mid-request is never mistaken for "not sent". */
    public void startSubmission(Instant now, Duration lease, String owner, BigDecimal price) {
        moveTo(JobStatus.SUBMITTING, now, "attempt " + (attempts + 1));
        attempts++;
        dueAt = now.plus(lease);
        leaseOwner = owner;
        spendUsd = paidBeforeUsd.add(price);
        // counted in today's spend from now on; until the request is recorded, a crash proves the POST never left
        attemptStartedAt = now;
        attemptEndedAt = null;
        submittedRequest = null;
        requestFingerprint = null;
    }

    /** Submitting now would pass a spending cap: wait, and look again at {@code recheckAt}. */
    public void holdForBudget(String reason, Instant recheckAt, Instant now) {
        if (status == JobStatus.QUEUED) {
            moveTo(JobStatus.HELD_BUDGET, now, reason);
        } else {
            updatedAt = now;
        }
        dueAt = recheckAt;
        leaseOwner = null;
    }

    /** The budget allows it again. */
    public void releaseFromBudgetHold(Instant now) {
        moveTo(JobStatus.QUEUED, now, "within the spending caps again");
    }

    /** The request about to be POSTed, committed before it leaves. */
    public void sending(Map<String, Object> request, String fingerprint, boolean webhookTracked, Instant now) {
        if (status != JobStatus.SUBMITTING) {
            throw new IllegalTransitionException(jobId, status, JobStatus.SUBMITTING);
        }
        submittedRequest = request;
        requestFingerprint = fingerprint;
        this.webhookTracked = webhookTracked;
        attemptStartedAt = now;
        updatedAt = now;
    }

    /**
     * The POST may have created a task, no later than {@code endedAt}; WaveSpeed's history is consulted
     * from {@code settleAt} on.
     */
    public void submissionUnknown(Instant endedAt, Instant settleAt, Instant now, String reason) {
        moveTo(JobStatus.SUBMISSION_UNKNOWN, now, reason);
        attemptEndedAt = endedAt;
        dueAt = settleAt;
        leaseOwner = null;
    }

    /** The POST provably created no task (refused, rate-limited, absent from the history): queue the job again. */
    public void submissionRefused(Instant retryAt, Instant now, String reason) {
        moveTo(JobStatus.QUEUED, now, reason);
        spendUsd = paidBeforeUsd;
        dueAt = retryAt;
        leaseOwner = null;
    }

    /** WaveSpeed refuses the account: queued again, to wait (however long) until it is accepted. */
    public void accountPaused(Instant now, String reason) {
        submissionRefused(now, now, ACCOUNT_PAUSE + reason);
    }

    /**
     * WaveSpeed created {@code predictionId} for the latest attempt (answered, tagged by its webhook, or
     * found in its history), which therefore costs {@code price}, also if it had been taken for nothing
     * created. The task stays this job's for good ({@link BoundPrediction}).
     */
    public void submitted(String predictionId, BigDecimal price, Instant firstPollAt, Instant now, String how) {
        moveTo(JobStatus.SUBMITTED, now, how + " prediction " + predictionId + (webhookTracked ? " (webhook)" : ""));
        this.predictionId = predictionId;
        spendUsd = paidBeforeUsd.add(price);
        BoundPrediction.record(this, predictionId, now);
        submittedAt = now;
        dueAt = firstPollAt;
        leaseOwner = null;
    }

    /** WaveSpeed still works on it: note that and come back at {@code nextPollAt}. */
    public void stillRunning(boolean processing, Instant nextPollAt, Instant now) {
        if (processing && status == JobStatus.SUBMITTED) {
            moveTo(JobStatus.PROCESSING, now, null);
        } else {
            updatedAt = now;
        }
        dueAt = nextPollAt;
        leaseOwner = null;
    }

    /** The prediction finished with outputs; they are to be copied to S3 now. */
    public void predictionCompleted(List<String> outputs, List<Boolean> nsfw, Long inferenceMs, Instant now) {
        moveTo(JobStatus.DELIVERING, now, outputs.size() + " output(s)");
        predictionOutputs = outputs;
        hasNsfwContents = nsfw;
        this.inferenceMs = inferenceMs;
        deliveringAt = now;
        dueAt = now;
        leaseOwner = null;
    }

    /**
     * The outputs of {@code twinJobId}, a completed job asking for exactly the same, are this job's: the attempt
     * that was about to start sends nothing and costs nothing, and the copies are being written.
     */
    public void reusing(String twinJobId, List<Boolean> nsfw, Instant now) {
        moveTo(JobStatus.DELIVERING, now, "reused outputs of job " + twinJobId + ", nothing paid");
        attempts--; // the attempt claimed for it never left
        spendUsd = paidBeforeUsd;
        attemptStartedAt = null;
        reusedFrom = twinJobId;
        hasNsfwContents = nsfw;
        deliveringAt = now;
    }

    /** Only through {@link JobOutcomes}, which writes the outcome event with it. */
    void completed(List<StoredOutput> stored, BigDecimal cost, Instant now) {
        moveTo(JobStatus.COMPLETED, now, null);
        outputs = stored;
        costUsd = cost;
        predictionOutputs = null; // may hold megabytes of base64 that now live in S3
        finish(now);
    }

    /**
     * Only through {@link JobOutcomes}: WaveSpeed flagged outputs of this job, and all of them were stored aside at
     * {@code heldAside} for review instead of delivered. The task was paid; its outputs are not fetched again, so a
     * retry submits a new, paid task.
     */
    void heldForReview(List<StoredOutput> heldAside, Instant now) {
        outputs = heldAside;
        predictionOutputs = null;
        StoredOutput first = heldAside.get(0);
        String where = "s3://" + first.bucket() + "/" + first.key().substring(0, first.key().lastIndexOf('/') + 1);
        List<Integer> flagged = IntStream.range(0, heldAside.size())
                .filter(index -> heldAside.get(index).flagged()).boxed().toList();
        failed(new JobError(OUTPUT_FLAGGED, "WaveSpeed flagged output(s) " + flagged + " as NSFW (has_nsfw_contents): all "
                + heldAside.size() + " output(s) held for review at " + where + ", none delivered (S3_FLAGGED_OUTPUTS=hold)"),
                now);
    }

    /** Whether WaveSpeed flagged any output of the finished prediction as NSFW. */
    public boolean anyOutputFlagged() {
        return hasNsfwContents != null && hasNsfwContents.contains(Boolean.TRUE);
    }

    /** WaveSpeed's NSFW flag for output {@code index}; null when it reported none. */
    public Boolean outputFlag(int index) {
        return hasNsfwContents != null && index < hasNsfwContents.size() ? hasNsfwContents.get(index) : null;
    }

    /** Only through {@link JobOutcomes}, which writes the outcome event with it. */
    void failed(JobError error, Instant now) {
        moveTo(JobStatus.FAILED, now, error.code());
        errorCode = error.code();
        errorMessage = error.message();
        finish(now);
    }

    /** Fails a job whose current attempt provably created no task upstream, so it cost nothing. */
    void failedBeforeAnyTask(JobError error, Instant now) {
        spendUsd = paidBeforeUsd;
        failed(error, now);
    }

    /** An operator cancels the job before it was submitted, or once its task has ended upstream. */
    void cancelled(Instant now, String detail) {
        moveTo(JobStatus.CANCELLED, now, detail);
        finish(now);
    }

    /**
     * An operator cancelled the job (or its batch) while a task of its may run: noted, so that the task is
     * deleted once it is known. Its first note stands.
     */
    public void cancelRequested(Instant now) {
        if (cancelRequestedAt == null) {
            cancelRequestedAt = now;
        }
    }

    /** Its running task is to be deleted upstream, now: it keeps its in-flight slot until the task has ended. */
    public void cancellingUpstream(Instant now, String detail) {
        cancelRequested(now);
        moveTo(JobStatus.CANCELLING, now, detail + ": deleting prediction " + predictionId);
        dueAt = now;
        leaseOwner = null;
    }

    /** The delete of its task was not answered: tried again at {@code at}, counted against the bound. */
    public void upstreamDeleteFailed(Instant at, Instant now) {
        upstreamDeletes++;
        retryAt(at, now);
    }

    /** What its stages' spans tell about it, in the context of its intake span. */
    public TracedJob traced() {
        return new TracedJob(jobId, batchId, predictionId, attempts, new TraceContext(traceParent, traceState));
    }

    /** How an operator's retry of this failed job would go, and whether it would pay again. */
    public enum RetryKind {
        /** The prediction finished but its outputs never reached S3, and WaveSpeed still has them: copied again, nothing paid. */
        REDELIVER,
        /** The failure left no paid task behind: submitted again at no extra cost. */
        FREE,
        /** A paid task may exist, or its outputs are gone: submitting again pays again, so the operator must ask for that. */
        PAYS_AGAIN
    }

    public RetryKind retryKind(Instant now) {
        if (predictionOutputs != null && !predictionOutputs.isEmpty() && !outputsGone(now)) {
            return RetryKind.REDELIVER;
        }
        return spendUsd.compareTo(paidBeforeUsd) == 0 ? RetryKind.FREE : RetryKind.PAYS_AGAIN;
    }

    /**
     * The finished prediction's outputs can no longer be fetched: their URL answered that they are gone, or
     * WaveSpeed has deleted them by now. Base64 outputs are kept in the row itself and never go.
     */
    public boolean outputsGone(Instant now) {
        if (Boolean.TRUE.equals(input.get("enable_base64_output"))) {
            return false;
        }
        return OUTPUTS_UNAVAILABLE.equals(errorCode)
                || submittedAt != null && !now.isBefore(submittedAt.plus(OUTPUTS_KEPT_UPSTREAM));
    }

    /**
     * An operator retries this failed job: delivered again from its finished prediction, or queued for
     * a new submission; one that may have paid for a task is queued only when {@code payAgain} says so.
     *
     * @throws IllegalStateException when a retry would pay again and {@code payAgain} is false
     */
    public void retried(boolean payAgain, Instant now) {
        RetryKind kind = retryKind(now);
        if (kind == RetryKind.PAYS_AGAIN && !payAgain) {
            throw new IllegalStateException("job " + jobId + " may have paid for a task already; retry with pay_again");
        }
        if (kind == RetryKind.REDELIVER) {
            moveTo(JobStatus.DELIVERING, now, "retried by operator: outputs copied again, nothing paid");
            deliveringAt = now;
        } else {
            moveTo(JobStatus.QUEUED, now, kind == RetryKind.FREE ? "retried by operator: no paid task was left behind"
                    : predictionOutputs != null ? "retried by operator, paying again: its outputs are gone upstream"
                    : OUTPUT_FLAGGED.equals(errorCode) ? "retried by operator, paying again: its flagged outputs stay held for review"
                    : "retried by operator, paying again");
            paidBeforeUsd = spendUsd;
            predictionId = null;
            webhookTracked = false;
            submittedRequest = null;
            requestFingerprint = null;
            // the new task reports outputs of its own; outputs held for review stay where its failure event said
            predictionOutputs = null;
            outputs = null;
            hasNsfwContents = null;
            inferenceMs = null;
            deliveringAt = null;
        }
        reopened(now);
    }

    /**
     * An operator assigns to this job, left undecided ({@code submission_outcome_unknown}), one of the tasks
     * that may have been its own: that task's kept {@code outputs} are delivered, and nothing is paid again.
     * Its next outcome event gets an id of its own, as after a retry.
     */
    public void candidateAssigned(String predictionId, List<String> outputs, BigDecimal price, Instant now) {
        moveTo(JobStatus.DELIVERING, now, "assigned by operator: prediction " + predictionId
                + ", its kept outputs delivered, nothing paid again");
        this.predictionId = predictionId;
        BoundPrediction.record(this, predictionId, now);
        spendUsd = paidBeforeUsd.add(price);
        predictionOutputs = outputs;
        deliveringAt = now;
        reopened(now);
    }

    /** A failed job taken up again by an operator: due at once, and its next outcome event gets an id of its own. */
    private void reopened(Instant now) {
        retries++;
        cancelRequestedAt = null; // a retry is a new decision of the operator's
        upstreamDeletes = 0;
        errorCode = null;
        errorMessage = null;
        finishedAt = null;
        dueAt = now;
        leaseOwner = null;
    }

    /** Leaves the job as it is and looks at it again at {@code at} (after a transient failure). */
    public void retryAt(Instant at, Instant now) {
        dueAt = at;
        leaseOwner = null;
        updatedAt = now;
    }

    /** When the job last entered DELIVERING: kept on the row, else from its transitions. */
    public Instant deliveringSince() {
        return deliveringAt != null ? deliveringAt : JobStore.lastEntered(this, JobStatus.DELIVERING).orElse(updatedAt);
    }

    public Optional<JobError> error() {
        return errorCode == null ? Optional.empty() : Optional.of(new JobError(errorCode, errorMessage));
    }

    private void finish(Instant now) {
        finishedAt = now;
        dueAt = null;
        leaseOwner = null;
    }

    private void moveTo(JobStatus next, Instant now, String detail) {
        JobStore.recordMove(this, next, now, detail);
    }
}
