package io.enhance.worker.cli;

import java.util.Optional;

import jakarta.inject.Inject;

import io.enhance.worker.batches.BatchActionResult;
import io.enhance.worker.batches.Canaries;
import io.enhance.worker.batches.Cancellations;
import io.enhance.worker.cli.BatchState.Outcome;
import io.quarkus.runtime.QuarkusApplication;

/**
 * An operator's decision on a batch: {@code approve NAME} queues the rest of a batch whose canary has run;
 * {@code reject NAME} cancels it, so that nothing more is paid; {@code cancel NAME} cancels the batch, its
 * running tasks deleted at WaveSpeed by the workers' cancel stage. Exits 0 when done, 1 when the batch's
 * canary does not allow it (none, or decided the other way), 3 when there is no such batch.
 */
public class BatchDecisionCommand implements QuarkusApplication {

    @Inject
    Canaries canaries;

    @Inject
    Cancellations cancellations;

    /** @param args {@code approve}, {@code reject} or {@code cancel}, and the batch name, checked by {@link CommandLine#decisionBatch} */
    @Override
    public int run(String... args) {
        String decision = args[0];
        String batch = args[1];
        Optional<BatchActionResult> result;
        try {
            result = switch (decision) {
                case "approve" -> canaries.approve(batch);
                case "reject" -> canaries.reject(batch);
                default -> cancellations.cancelBatch(batch);
            };
        } catch (Canaries.Refused e) {
            System.err.println(e.getMessage());
            return Outcome.NOT_ALL_COMPLETED.exitCode;
        }
        if (result.isEmpty()) {
            System.out.println("No batch " + batch + ".");
            return Outcome.NO_SUCH_BATCH.exitCode;
        }
        String counts = switch (decision) {
            case "approve" -> " (" + result.get().jobs().get("queued") + " jobs queued)";
            case "reject" -> " (" + result.get().jobs().get("cancelled") + " jobs cancelled)";
            default -> "; cancel again to see how far the deletes at WaveSpeed have come";
        };
        System.out.printf("Batch %s: %s%s%n", batch, result.get().message(), counts);
        return 0;
    }
}
