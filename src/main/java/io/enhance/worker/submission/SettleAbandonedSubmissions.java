package io.enhance.worker.submission;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.quarkus.scheduler.Scheduled;

/**
 * Finds jobs left in SUBMITTING by a worker that died mid-POST (their lease ran out). Whether
 * WaveSpeed created a task is unknown, so the job fails rather than risk paying twice.
 */
@ApplicationScoped
public class SettleAbandonedSubmissions {

    private final JobClaims claims;
    private final JobOutcomes outcomes;

    SettleAbandonedSubmissions(JobClaims claims, JobOutcomes outcomes) {
        this.claims = claims;
        this.outcomes = outcomes;
    }

    @Scheduled(every = "${pipeline.lease-duration:2m}", skipExecutionIf = Scheduled.ApplicationNotRunning.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void settle() {
        claims.claim(JobStatus.SUBMITTING).forEach(job -> claims.update(job.id, JobStatus.SUBMITTING,
                held -> outcomes.fail(held, "submission_outcome_unknown",
                        "the worker stopped while submitting; not resubmitted, because a second submission could be paid twice")));
    }
}
