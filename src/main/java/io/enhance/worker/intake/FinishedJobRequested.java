package io.enhance.worker.intake;

import io.enhance.worker.jobs.Job;

/**
 * The request of a job that has already finished arrived again: its outcome event goes out again (same id)
 * for a sender that missed it. Fired synchronously inside the intake transaction.
 */
public record FinishedJobRequested(Job job) {
}
