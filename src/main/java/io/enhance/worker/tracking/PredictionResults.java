package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.DatabaseClock;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.wavespeed.Prediction;

/** What a prediction's reported state means for its job: the one path every result takes. */
@ApplicationScoped
public class PredictionResults {

    private final JobOutcomes outcomes;
    private final DatabaseClock clock;
    private final WaveSpeedConfig config;
    private final Wakeups wakeups;

    PredictionResults(JobOutcomes outcomes, WaveSpeedConfig config, DatabaseClock clock, Wakeups wakeups) {
        this.wakeups = wakeups;
        this.clock = clock;
        this.outcomes = outcomes;
        this.config = config;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void apply(Job job, Prediction prediction) {
        Instant now = clock.now();
        if (prediction.completed()) {
            if (prediction.outputs().isEmpty()) {
                outcomes.fail(job, "no_outputs", "the prediction completed without outputs");
            } else {
                job.predictionCompleted(prediction.outputs(), prediction.hasNsfwContents(), prediction.inferenceMs(), now);
                wakeups.wakeAfterCommit(Stage.DELIVER);
                wakeups.wakeAfterCommit(Stage.SUBMIT); // its upstream slot is free
            }
        } else if (prediction.failed()) {
            String reason = prediction.error().isBlank() ? "no reason given" : prediction.error();
            outcomes.fail(job, "prediction_" + prediction.status(), "WaveSpeed reports " + prediction.status() + ": " + reason);
        } else if (pastDeadline(job, now)) {
            outcomes.fail(job, "prediction_deadline_exceeded", "WaveSpeed still reports " + prediction.status()
                    + " " + config.predictionDeadline() + " after submission");
        } else {
            job.stillRunning(prediction.processing(), now.plus(nextPollDelay(job)), now);
        }
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

    private boolean pastDeadline(Job job, Instant now) {
        return job.submittedAt != null && now.isAfter(job.submittedAt.plus(config.predictionDeadline()));
    }

    /**
     * A webhook-tracked prediction is polled only as a safety net. Others are polled at a delay that
     * grows by half with each poll up to the cap, with jitter so that predictions submitted together spread out.
     */
    public Duration nextPollDelay(Job job) {
        if (job.webhookTracked) {
            return config.webhookPollDelay();
        }
        double grown = config.firstPollDelay().toMillis() * Math.pow(1.5, Math.min(job.polls, 30));
        long capped = (long) Math.min(grown, config.maxPollDelay().toMillis());
        return Duration.ofMillis((long) (capped * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
    }
}
