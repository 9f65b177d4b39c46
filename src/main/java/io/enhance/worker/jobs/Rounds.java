package io.enhance.worker.jobs;

import java.util.function.IntSupplier;

/** The periodic tasks' rhythm: a round that handled a full batch means more work may be waiting, so go on at once. */
public final class Rounds {

    private Rounds() {
    }

    /** Runs {@code round} (which returns how many items it handled) until it handles fewer than {@code batchSize}. */
    public static void repeatWhileFull(int batchSize, IntSupplier round) {
        while (round.getAsInt() >= batchSize) {
            // the batch was full
        }
    }
}
