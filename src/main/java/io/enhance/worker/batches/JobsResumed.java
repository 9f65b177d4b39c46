package io.enhance.worker.batches;

/** Paused jobs that no hold covers any more are queued again, in the transaction that fires this. */
public record JobsResumed(long count) {
}
