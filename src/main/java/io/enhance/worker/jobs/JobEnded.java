package io.enhance.worker.jobs;

/**
 * A job reached a final state. Fired synchronously inside the transaction that ended it, so that its
 * observers (the outbox) write in that same transaction; {@code jobs} knows none of them.
 *
 * @param freedASlot whether it held an upstream slot until now (it was in flight), which the next submit may take
 */
public record JobEnded(Job job, boolean freedASlot) {
}
