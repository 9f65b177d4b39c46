package io.enhance.worker.jobs;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of an accepted job. Requests that are never accepted do not become jobs: they are
 * kept as rejected messages.
 */
public enum JobStatus {
    /** Stored, waiting for a submission slot. */
    QUEUED,
    /** Not submitted while an operator pauses submissions, for its batch or for all; queued again on resume. */
    PAUSED,
    /** Waiting because submitting it would pass a spending cap; queued again once the budget allows. */
    HELD_BUDGET,
    /**
     * Held, not submitted and costing nothing, until an operator approves its batch's canary (queued
     * then) or rejects it (cancelled); the canary's own jobs are released from here for submission.
     */
    AWAITING_APPROVAL,
    /** A submit POST is being sent; if the worker dies here the outcome is unknown. */
    SUBMITTING,
    /**
     * The POST may have created a paid task, but no answer said so (timeout, dropped connection,
     * 5xx). WaveSpeed's prediction history decides: adopt the task it shows, or submit again only
     * if it shows none.
     */
    SUBMISSION_UNKNOWN,
    /** WaveSpeed accepted the task and returned a prediction id; polling follows. */
    SUBMITTED,
    /** WaveSpeed reports the prediction as running. */
    PROCESSING,
    /**
     * An operator cancelled the job while its task ran: the task is being deleted upstream, and still holds
     * its in-flight slot until WaveSpeed confirms that it ended. Ends CANCELLED, or DELIVERING when the task
     * finished before its delete arrived.
     */
    CANCELLING,
    /** The prediction finished; its outputs are being copied to S3. */
    DELIVERING,
    COMPLETED,
    /** Ended without outputs. An operator may retry it: see {@link Job#retry}. */
    FAILED,
    /** Cancelled by an operator: before it was submitted, or while it ran upstream and its task was deleted. */
    CANCELLED;

    private static final Map<JobStatus, Set<JobStatus>> ALLOWED = Map.ofEntries(
            // to SUBMITTED when a late answer or tagged webhook shows that the last attempt created a task after all
            Map.entry(QUEUED, EnumSet.of(SUBMITTING, HELD_BUDGET, PAUSED, CANCELLED, SUBMITTED)),
            // approved: queued (and paused by the hold sweep if the batch is paused); rejected: cancelled
            Map.entry(AWAITING_APPROVAL, EnumSet.of(QUEUED, CANCELLED)),
            Map.entry(HELD_BUDGET, EnumSet.of(QUEUED, PAUSED, CANCELLED, SUBMITTED)),
            Map.entry(PAUSED, EnumSet.of(QUEUED, CANCELLED, SUBMITTED)),
            // back to QUEUED only when the POST provably created nothing (e.g. 429, refused connection)
            Map.entry(SUBMITTING, EnumSet.of(QUEUED, SUBMITTED, DELIVERING, FAILED, SUBMISSION_UNKNOWN)),
            // back to QUEUED only when the history proves that no task was created
            Map.entry(SUBMISSION_UNKNOWN, EnumSet.of(QUEUED, SUBMITTED, FAILED)),
            Map.entry(SUBMITTED, EnumSet.of(PROCESSING, DELIVERING, FAILED, CANCELLING)),
            Map.entry(PROCESSING, EnumSet.of(DELIVERING, FAILED, CANCELLING)),
            // to DELIVERING when the task finished before its delete arrived: what was paid for is kept
            Map.entry(CANCELLING, EnumSet.of(CANCELLED, DELIVERING)),
            Map.entry(DELIVERING, EnumSet.of(COMPLETED, FAILED)),
            Map.entry(COMPLETED, EnumSet.noneOf(JobStatus.class)),
            // an operator's retry: queued again, or delivered again from the finished prediction
            Map.entry(FAILED, EnumSet.of(QUEUED, DELIVERING)),
            Map.entry(CANCELLED, EnumSet.noneOf(JobStatus.class)));

    /** Where a job ends unless an operator steps in. */
    public static final Set<JobStatus> FINAL = EnumSet.of(COMPLETED, FAILED, CANCELLED);

    public boolean canMoveTo(JobStatus next) {
        return ALLOWED.get(this).contains(next);
    }

    public boolean isTerminal() {
        return FINAL.contains(this);
    }

    /** The states the table allows to move to {@code next}, but {@code except}. */
    private static Set<JobStatus> allowedBefore(JobStatus next, JobStatus except) {
        Set<JobStatus> sources = allowedBefore(next);
        sources.remove(except);
        return sources;
    }

    /** The states the table allows to move to {@code next}. */
    public static Set<JobStatus> allowedBefore(JobStatus next) {
        Set<JobStatus> sources = EnumSet.noneOf(JobStatus.class);
        ALLOWED.forEach((from, targets) -> {
            if (targets.contains(next)) {
                sources.add(from);
            }
        });
        return sources;
    }

    /**
     * States in which the job has no task, but its latest attempt may have created one: an answer or a
     * tagged webhook for that attempt binds the task from any of them (see {@link Job#submitted}).
     */
    public static final Set<JobStatus> AWAITING_TASK = EnumSet.of(QUEUED, HELD_BUDGET, PAUSED, SUBMITTING,
            SUBMISSION_UNKNOWN);

    /** A submit POST was sent and its answer is still awaited or was lost. */
    public static final Set<JobStatus> IN_FLIGHT_UNANSWERED = EnumSet.of(SUBMITTING, SUBMISSION_UNKNOWN);

    /** States in which a prediction exists upstream and is being followed. */
    public static final Set<JobStatus> TRACKED = EnumSet.of(SUBMITTED, PROCESSING);

    /** A task may exist upstream, paid and running, for jobs in these states: each holds an in-flight slot. */
    public static final Set<JobStatus> IN_FLIGHT = EnumSet.of(SUBMITTING, SUBMISSION_UNKNOWN, SUBMITTED, PROCESSING,
            CANCELLING);

    /**
     * Not submitted yet, so an operator may cancel it at once: the states the table lets move to CANCELLED,
     * but CANCELLING, whose task must be confirmed ended first.
     */
    public static final Set<JobStatus> CANCELLABLE = allowedBefore(CANCELLED, CANCELLING);

    /** A task runs upstream: cancelling the job deletes it ({@link #CANCELLING}); the states the table lets move there. */
    public static final Set<JobStatus> CANCELLED_UPSTREAM = allowedBefore(CANCELLING);

    /**
     * Noted when an operator cancels them (a task of theirs may run, unknown yet, or has finished): they end once
     * their task is known, which is then deleted, or delivered if it finished first.
     */
    public static final Set<JobStatus> CANCELLED_ONCE_KNOWN = EnumSet.of(SUBMITTING, SUBMISSION_UNKNOWN, DELIVERING);

    /** A cancelled job here has not ended yet: its task is being deleted, or its submission's answer is awaited. */
    public static final Set<JobStatus> CANCEL_PENDING = EnumSet.of(SUBMITTING, SUBMISSION_UNKNOWN, CANCELLING);

    /** Its task finished with outputs: they are being, or have been, copied to S3. */
    public static final Set<JobStatus> FINISHED_UPSTREAM = EnumSet.of(DELIVERING, COMPLETED);

    /** Waiting for a submission slot: the submission claim takes these, and an operator's hold pauses them. */
    public static final Set<JobStatus> WAITING_TO_SUBMIT = EnumSet.of(QUEUED, HELD_BUDGET);

    /** Have cost nothing yet, but will when submitted (those awaiting approval only if it is given). */
    public static final Set<JobStatus> NOT_YET_PAID = EnumSet.of(QUEUED, PAUSED, HELD_BUDGET, AWAITING_APPROVAL);

    /** Held until an operator decides on its batch's canary. */
    public static final Set<JobStatus> AWAITING_DECISION = EnumSet.of(AWAITING_APPROVAL);

    /** Left by a deliberate wait, not a failed attempt: a move out of one starts a new run of submission attempts. */
    public static final Set<JobStatus> DELIBERATE_WAITS = EnumSet.of(HELD_BUDGET, PAUSED, FAILED);
}
