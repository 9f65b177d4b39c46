package io.enhance.worker.intake;

import java.util.List;
import java.util.UUID;

import io.enhance.worker.tracing.TraceContext;

/**
 * A request message was rejected. Fired synchronously inside the transaction that keeps the rejection,
 * so that the outbox writes its {@code job.rejected} event in that same transaction.
 *
 * @param eventId stable for one rejected message body, so a redelivered copy adds no second event
 * @param trace the context of the message's intake span
 */
public record RequestRejected(UUID eventId, String jobId, String batchId, List<RequestProblem> problems,
        TraceContext trace) {
}
