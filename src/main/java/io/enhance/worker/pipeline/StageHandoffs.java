package io.enhance.worker.pipeline;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.enhance.worker.batches.JobRetried;
import io.enhance.worker.batches.JobsResumed;
import io.enhance.worker.intake.JobsQueued;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobEnded;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.submission.CandidateAssigned;
import io.enhance.worker.submission.JobsSubmitted;
import io.enhance.worker.tracking.PredictionFinished;

/**
 * The one place where a stage's work wakes another stage: each stage says what happened (a CDI event) and
 * this decides who takes it up, so that no stage calls another's waker. A stage still wakes itself (its
 * sweep, its own arrivals); the sweeps only catch what a wake-up missed, such as work of other workers.
 */
@ApplicationScoped
class StageHandoffs {

    private final Wakeups wakeups;

    StageHandoffs(Wakeups wakeups) {
        this.wakeups = wakeups;
    }

    /** Jobs stored by this worker's intake are submitted at once. */
    void jobsQueued(@Observes JobsQueued queued) {
        wakeups.wake(Stage.SUBMIT);
    }

    /** A job that ended holding an upstream slot frees it for the next submit. */
    void jobEnded(@Observes JobEnded ended) {
        if (ended.freedASlot()) {
            wakeups.wakeAfterCommit(Stage.SUBMIT);
        }
    }

    /** New predictions are polled first when the soonest is due. */
    void jobsSubmitted(@Observes JobsSubmitted submitted) {
        wakeups.wakeIn(Stage.POLL, submitted.untilFirstPoll());
    }

    void predictionFinished(@Observes PredictionFinished finished) {
        wakeups.wakeAfterCommit(Stage.DELIVER);
        wakeups.wakeAfterCommit(Stage.SUBMIT); // its upstream slot is free
    }

    void candidateAssigned(@Observes CandidateAssigned assigned) {
        wakeups.wake(Stage.DELIVER);
    }

    /** Jobs an operator resumed are submitted once the resume commits. */
    void jobsResumed(@Observes JobsResumed resumed) {
        wakeups.wakeAfterCommit(Stage.SUBMIT);
    }

    /** A retried job is submitted, or delivered again from its finished prediction, once the retry commits. */
    void jobRetried(@Observes JobRetried retried) {
        wakeups.wakeAfterCommit(retried.kind() == Job.RetryKind.REDELIVER ? Stage.DELIVER : Stage.SUBMIT);
    }
}
