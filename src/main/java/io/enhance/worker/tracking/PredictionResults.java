package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.submission.PollSchedule;
import io.enhance.worker.submission.QueuedUpstream;
import io.enhance.worker.submission.ResultAtSubmission;
import io.enhance.worker.wavespeed.Prediction;

/** What a prediction's reported state means for its job: the one path every result takes. */
@ApplicationScoped
public class PredictionResults implements PollSchedule {

    /**
     * A prediction still {@code created} this long after submission waits upstream for a free slot: WaveSpeed
     * starts tasks within a second or two while the account has slots (and webhooks report only the end).
     */
    static final Duration QUEUED_UPSTREAM = Duration.ofSeconds(10);

    private final JobOutcomes outcomes;
    private final DatabaseClock clock;
    private final WaveSpeedConfig config;
    private final Event<PredictionFinished> finished;
    private final InferenceTimes times;
    private final Event<QueuedUpstream> queued;
    private final WorkerMetrics metrics;

    PredictionResults(JobOutcomes outcomes, WaveSpeedConfig config, DatabaseClock clock, Event<PredictionFinished> finished,
            InferenceTimes times, Event<QueuedUpstream> queued, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.finished = finished;
        this.clock = clock;
        this.outcomes = outcomes;
        this.config = config;
        this.times = times;
        this.queued = queued;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void apply(Job job, Prediction prediction) {
        Instant now = clock.now();
        if (prediction.completed()) {
            times.observe(prediction);
            prediction.reportedTime().ifPresent(metrics::inference);
            if (prediction.outputs().isEmpty()) {
                outcomes.fail(job, "no_outputs", "the prediction completed without outputs");
            } else {
                deliver(job, prediction, now);
            }
        } else if (prediction.failed()) {
            String reason = prediction.error().isBlank() ? "no reason given" : prediction.error();
            outcomes.fail(job, "prediction_" + prediction.status(), "WaveSpeed reports " + prediction.status() + ": " + reason);
        } else if (pastDeadline(job, now)) {
            outcomes.fail(job, "prediction_deadline_exceeded", "WaveSpeed still reports " + prediction.status()
                    + " " + config.predictionDeadline() + " after submission");
        } else {
            if ("created".equals(prediction.status()) && job.submittedAt != null
                    && now.isAfter(job.submittedAt.plus(QUEUED_UPSTREAM))) {
                queued.fire(new QueuedUpstream(Duration.between(job.submittedAt, now)));
            }
            job.stillRunning(prediction.processing(), now.plus(nextPollDelay(job)), now);
        }
    }

    /**
     * A result of a CANCELLING job's task: one that completed with outputs before its delete took effect is
     * delivered, as it is paid for. Returns whether it did; anything else is the cancel stage's to decide.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean deliverIfFinished(Job job, Prediction prediction) {
        if (!prediction.completed() || prediction.outputs().isEmpty()) {
            return false;
        }
        times.observe(prediction);
        job.upstreamCancelled = false;
        deliver(job, prediction, clock.now());
        return true;
    }

    private void deliver(Job job, Prediction prediction, Instant now) {
        job.predictionCompleted(prediction.outputs(), prediction.hasNsfwContents(), prediction.inferenceMs(), now);
        finished.fire(new PredictionFinished(job));
    }

    /** A result in a submit's answer (sync mode) takes the same path, in the transaction that records the submission. */
    @Transactional(Transactional.TxType.MANDATORY)
    void applyAtSubmission(@Observes ResultAtSubmission result) {
        apply(result.job(), result.prediction());
    }

    /** A poll that got no answer: polled again later, unless the deadline has passed, which no error may postpone. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void unanswered(Job job, String reason) {
        Instant now = clock.now();
        if (pastDeadline(job, now)) {
            outcomes.fail(job, "prediction_deadline_exceeded", "no answer from WaveSpeed "
                    + config.predictionDeadline() + " after submission; the last poll got: " + reason);
        } else {
            job.retryAt(now.plus(nextPollDelay(job)), now);
        }
    }

    /**
     * WaveSpeed does not know the prediction: polled again while it may just not show yet (within
     * {@code WAVESPEED_NOT_FOUND_GRACE} of its submission, and never later than that), failed after.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void notFound(Job job, String message) {
        Instant now = clock.now();
        Instant graceEnds = job.submittedAt == null ? now : job.submittedAt.plus(config.notFoundGrace());
        if (now.isBefore(graceEnds) && !pastDeadline(job, now)) {
            Instant next = now.plus(nextPollDelay(job));
            job.retryAt(next.isBefore(graceEnds) ? next : graceEnds, now);
            return;
        }
        outcomes.fail(job, "prediction_not_found", "WaveSpeed does not know prediction " + job.predictionId
                + ", still not " + config.notFoundGrace() + " after its submission (WAVESPEED_NOT_FOUND_GRACE): " + message);
    }

    private boolean pastDeadline(Job job, Instant now) {
        return job.submittedAt != null && now.isAfter(job.submittedAt.plus(config.predictionDeadline()));
    }

    /** From submission to the first poll: timed from the observed inference times, or the safety net's delay with a webhook. */
    @Override
    public Duration firstPollDelay(Job job) {
        return job.webhookTracked ? config.webhookPollDelay() : times.firstPollDelay();
    }

    /** A webhook-tracked prediction is polled only as a safety net; others as {@link InferenceTimes} schedules it. */
    @Override
    public Duration nextPollDelay(Job job) {
        return job.webhookTracked ? config.webhookPollDelay() : times.pollDelay(job.polls);
    }
}
