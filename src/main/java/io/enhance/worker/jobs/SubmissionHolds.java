package io.enhance.worker.jobs;

/**
 * When an operator's controls keep a job from being submitted: submissions are paused for all, or its
 * batch is paused or cancelled. Intake stores such jobs as {@link JobStatus#PAUSED}, and the
 * submission claim skips them, so a job that slips past one check is still caught by the other.
 */
public final class SubmissionHolds {

    /** The transition detail of a job paused by a hold, and of one resumed when it is lifted. */
    public static final String PAUSED = "submissions paused by operator";
    public static final String RESUMED = "submissions resumed by operator";

    private SubmissionHolds() {
    }

    /** An SQL condition, true when the job whose batch id is {@code batchIdColumn} is held. */
    public static String held(String batchIdColumn) {
        return "(exists (select 1 from submission_controls where paused_at is not null)"
                + " or exists (select 1 from batches b where b.batch_key = coalesce(" + batchIdColumn + ", '')"
                + " and (b.paused_at is not null or b.cancelled_at is not null)))";
    }
}
