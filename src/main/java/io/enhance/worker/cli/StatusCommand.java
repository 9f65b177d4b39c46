package io.enhance.worker.cli;

import java.time.Instant;
import java.util.Optional;

import jakarta.inject.Inject;

import io.enhance.worker.batches.BatchManifest;
import io.enhance.worker.cli.BatchState.Outcome;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.runtime.QuarkusApplication;

/**
 * {@code status NAME}: the batch's summary once, with its progress line while it runs. Exits 0 when it
 * completed without failures, 1 with failures, 4 while it runs, 3 when there is no such batch. With
 * {@code --format csv|jsonl} it writes the batch's manifest ({@link BatchManifest}) to stdout instead, and exits 0.
 */
public class StatusCommand implements QuarkusApplication {

    @Inject
    BatchFollower follower;
    @Inject
    DatabaseClock clock;
    @Inject
    BatchManifest manifest;

    @Override
    public int run(String... args) throws Exception {
        CommandLine.StatusArguments arguments;
        try {
            arguments = CommandLine.statusArguments(args);
        } catch (UsageException e) {
            return CommandLine.usageError(e);
        }
        String batch = arguments.batch();
        BatchState state = follower.read(batch, 0, Optional.empty());
        if (state.summary().isEmpty() && state.rejections().isEmpty()) {
            (arguments.format().isPresent() ? System.err : System.out).println("No batch " + batch + ".");
            return Outcome.NO_SUCH_BATCH.exitCode;
        }
        if (arguments.format().isPresent()) {
            manifest.writeAlone(batch, arguments.format().get(), System.out);
            System.out.flush();
            return 0; // written, whatever the jobs' outcomes: they are in it
        }
        Instant now = clock.now();
        if (!state.finished()) {
            System.out.println(BatchReport.progressLine(state, now));
        }
        System.out.print(BatchReport.summaryTable(state, now));
        return state.outcome().exitCode;
    }
}
