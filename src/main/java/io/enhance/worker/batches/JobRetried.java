package io.enhance.worker.batches;

import io.enhance.worker.jobs.Job;

/** An operator's retry queued a job again, or sent it back to delivery, in the transaction that fires this. */
public record JobRetried(Job.RetryKind kind) {
}
