package io.enhance.worker.tracking;

import io.enhance.worker.jobs.Job;

/**
 * A job's prediction completed with outputs, inside the transaction that records it: its outputs are for
 * delivery to copy, and its upstream slot is free for the next submit.
 */
public record PredictionFinished(Job job) {
}
