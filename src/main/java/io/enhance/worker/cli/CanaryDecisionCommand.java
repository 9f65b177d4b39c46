package io.enhance.worker.cli;

import java.util.Optional;

import jakarta.inject.Inject;

import io.enhance.worker.batches.BatchActionResult;
import io.enhance.worker.batches.Canaries;
import io.enhance.worker.cli.BatchState.Outcome;
import io.quarkus.runtime.QuarkusApplication;

/**
 * {@code approve NAME} queues the rest of a batch whose canary has run; {@code reject NAME} cancels it, so
 * that nothing more is paid. Exits 0 when done, 1 when the batch's canary does not allow it (none, or
 * decided the other way), 3 when there is no such batch.
 */
public class CanaryDecisionCommand implements QuarkusApplication {

    @Inject
    Canaries canaries;

    /** @param args {@code approve} or {@code reject}, and the batch name, checked by {@link CommandLine#decisionBatch} */
    @Override
    public int run(String... args) {
        boolean approve = "approve".equals(args[0]);
        String batch = args[1];
        Optional<BatchActionResult> result;
        try {
            result = approve ? canaries.approve(batch) : canaries.reject(batch);
        } catch (Canaries.Refused e) {
            System.err.println(e.getMessage());
            return Outcome.NOT_ALL_COMPLETED.exitCode;
        }
        if (result.isEmpty()) {
            System.out.println("No batch " + batch + ".");
            return Outcome.NO_SUCH_BATCH.exitCode;
        }
        System.out.printf("Batch %s: %s (%s)%n", batch, result.get().message(), approve
                ? result.get().jobs().get("queued") + " jobs queued"
                : result.get().jobs().get("cancelled") + " jobs cancelled");
        return 0;
    }
}
