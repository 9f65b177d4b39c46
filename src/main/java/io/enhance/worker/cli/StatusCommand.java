package io.enhance.worker.cli;

import java.time.Instant;
import java.util.Optional;

import jakarta.inject.Inject;

import io.enhance.worker.cli.BatchState.Outcome;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.runtime.QuarkusApplication;

/**
 * {@code status NAME}: the batch's summary once, with its progress line while it runs. Exits 0 when it
 * completed without failures, 1 with failures, 4 while it runs, 3 when there is no such batch.
 */
public class StatusCommand implements QuarkusApplication {

    @Inject
    BatchFollower follower;
    @Inject
    DatabaseClock clock;

    @Override
    public int run(String... args) throws Exception {
        String batch;
        try {
            batch = CommandLine.statusBatch(args);
        } catch (UsageException e) {
            return CommandLine.usageError(e);
        }
        BatchState state = follower.read(batch, 0, Optional.empty());
        if (state.summary().isEmpty() && state.rejections().isEmpty()) {
            System.out.println("No batch " + batch + ".");
            return Outcome.NO_SUCH_BATCH.exitCode;
        }
        Instant now = clock.now();
        if (!state.finished()) {
            System.out.println(BatchReport.progressLine(state, now));
        }
        System.out.print(BatchReport.summaryTable(state, now));
        return state.outcome().exitCode;
    }
}
