package io.enhance.worker.jobs;

/**
 * A job reached a final state. Fired synchronously inside the transaction that ended it, so that its
 * observers (the outbox) write in that same transaction; {@code jobs} knows none of them.
 */
public record JobEnded(Job job) {
}
