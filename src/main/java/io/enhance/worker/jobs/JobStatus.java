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
    /** Waiting because submitting it would pass a spending cap; queued again once the budget allows. */
    HELD_BUDGET,
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
    /** The prediction finished; its outputs are being copied to S3. */
    DELIVERING,
    COMPLETED,
    FAILED;

    private static final Map<JobStatus, Set<JobStatus>> ALLOWED = Map.of(
            QUEUED, EnumSet.of(SUBMITTING, HELD_BUDGET),
            HELD_BUDGET, EnumSet.of(QUEUED),
            // back to QUEUED only when the POST provably created nothing (e.g. 429, refused connection)
            SUBMITTING, EnumSet.of(QUEUED, SUBMITTED, DELIVERING, FAILED, SUBMISSION_UNKNOWN),
            // back to QUEUED only when the history proves that no task was created
            SUBMISSION_UNKNOWN, EnumSet.of(QUEUED, SUBMITTED, FAILED),
            SUBMITTED, EnumSet.of(PROCESSING, DELIVERING, FAILED),
            PROCESSING, EnumSet.of(DELIVERING, FAILED),
            DELIVERING, EnumSet.of(COMPLETED, FAILED),
            COMPLETED, EnumSet.noneOf(JobStatus.class),
            FAILED, EnumSet.noneOf(JobStatus.class));

    public boolean canMoveTo(JobStatus next) {
        return ALLOWED.get(this).contains(next);
    }

    public boolean isTerminal() {
        return ALLOWED.get(this).isEmpty();
    }

    /** States in which a prediction exists upstream and is being followed. */
    public static final Set<JobStatus> TRACKED = EnumSet.of(SUBMITTED, PROCESSING);
}
