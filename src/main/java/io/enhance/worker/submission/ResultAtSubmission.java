package io.enhance.worker.submission;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.wavespeed.Prediction;

/**
 * A submit's answer already holds its prediction's result (sync mode). Fired synchronously inside the
 * transaction that records the submission, so that tracking applies the result in that same transaction.
 */
public record ResultAtSubmission(Job job, Prediction prediction) {
}
