package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.wavespeed.Prediction;

/** What a prediction's reported state means for its job: the one path every result takes. */
@ApplicationScoped
public class PredictionResults {

    private final JobOutcomes outcomes;
    private final WaveSpeedConfig config;

    PredictionResults(JobOutcomes outcomes, WaveSpeedConfig config) {
        this.outcomes = outcomes;
        this.config = config;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void apply(Job job, Prediction prediction) {
        Instant now = Instant.now();
        job.polls++;
        if (prediction.completed()) {
            if (prediction.outputs().isEmpty()) {
                outcomes.fail(job, "no_outputs", "the prediction completed without outputs");
            } else {
                job.predictionCompleted(prediction.outputs(), prediction.hasNsfwContents(), prediction.inferenceMs(), now);
            }
        } else if (prediction.failed()) {
            String reason = prediction.error().isBlank() ? "no reason given" : prediction.error();
            outcomes.fail(job, "prediction_" + prediction.status(), "WaveSpeed reports " + prediction.status() + ": " + reason);
        } else {
            job.stillRunning(prediction.processing(), now.plus(nextPollDelay(job.polls)), now);
        }
    }

    /** Grows by half with each poll up to the cap, with jitter so that predictions submitted together spread out. */
    public Duration nextPollDelay(int polls) {
        double grown = config.firstPollDelay().toMillis() * Math.pow(1.5, Math.min(polls, 30));
        long capped = (long) Math.min(grown, config.maxPollDelay().toMillis());
        return Duration.ofMillis((long) (capped * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
    }
}
