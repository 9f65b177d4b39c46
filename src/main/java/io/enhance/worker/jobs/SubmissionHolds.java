package io.enhance.worker.jobs;

/**
 * When an operator's controls keep a job from being submitted: submissions are paused for all, or its
 * batch is paused or cancelled. Intake stores such jobs as {@link JobStatus#PAUSED}, and the
 * submission claim skips them, so a job that slips past one check is still caught by the other; both
 * statements, and the operators' moves, are {@link JobStore}'s.
 */
public final class SubmissionHolds {

    /** The transition detail of a job paused by a hold, and of one resumed when it is lifted. */
    public static final String PAUSED = "submissions paused by operator";
    public static final String RESUMED = "submissions resumed by operator";

    private SubmissionHolds() {
    }
}
