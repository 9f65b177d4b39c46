package io.enhance.worker.submission;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.SpendingCaps;

/**
 * A webhook tagged with a submit attempt ({@link WebhookTags}) names the prediction that attempt created:
 * the proof submission needs, whatever became of the POST's answer. Tracking hands such a delivery here and
 * applies its result to the job returned.
 */
@ApplicationScoped
public class TaggedPredictions {

    private static final Logger LOG = Logger.getLogger(TaggedPredictions.class);

    private final SpendingCaps caps;
    private final JobStore store;
    private final PollSchedule polls;

    TaggedPredictions(SpendingCaps caps, PollSchedule polls, JobStore store) {
        this.caps = caps;
        this.store = store;
        this.polls = polls;
    }

    /**
     * The tagged attempt's job adopts the prediction, whatever became of its POST's answer, also when
     * settlement had already taken the attempt for one that created nothing and queued the job again (the
     * delivery proves the task exists); a tag of an older attempt, or of a job that has its prediction or
     * has ended, binds nothing. Routine with a fast model: the webhook often arrives before the POST's
     * answer is written.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Job> bind(long jobId, int attempt, String predictionId, Instant now) {
        Optional<Job> job = store.lock(jobId)
                .filter(j -> j.attempts == attempt && j.predictionId == null && JobStatus.AWAITING_TASK.contains(j.status));
        job.ifPresent(j -> {
            if (JobStatus.IN_FLIGHT_UNANSWERED.contains(j.status)) {
                LOG.debugf("Job %s: a tagged webhook names prediction %s for attempt %d; following it", j.jobId,
                        predictionId, attempt);
            } else {
                LOG.infof("Job %s: a tagged webhook shows that attempt %d, taken for one that created nothing, "
                        + "created prediction %s; following it instead of submitting again", j.jobId, attempt, predictionId);
            }
            j.submitted(predictionId, caps.price(), now.plus(polls.nextPollDelay(j)), now, "found by its webhook tag:");
        });
        return job;
    }
}
