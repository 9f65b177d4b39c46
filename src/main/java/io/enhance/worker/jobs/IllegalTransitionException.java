package io.enhance.worker.jobs;

/** A job was asked to move to a state its lifecycle does not allow from where it is. */
public class IllegalTransitionException extends IllegalStateException {

    public IllegalTransitionException(String jobId, JobStatus from, JobStatus to) {
        super("job " + jobId + " cannot move from " + from + " to " + to);
    }
}
