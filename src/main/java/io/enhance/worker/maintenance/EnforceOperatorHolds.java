package io.enhance.worker.maintenance;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.batches.BatchHolds;
import io.enhance.worker.batches.Cancellations;
import io.enhance.worker.runtime.Rounds;
import io.quarkus.scheduler.Scheduled;

/**
 * About once a second while any hold is set: pauses jobs that intake stored or a retry queued just as
 * a hold was set, resumes any left paused after it was lifted, and cancels what arrives for a cancelled
 * batch.
 */
@ApplicationScoped
public class EnforceOperatorHolds {

    private static final Logger LOG = Logger.getLogger(EnforceOperatorHolds.class);

    private final BatchHolds holds;
    private final Cancellations cancellations;

    EnforceOperatorHolds(BatchHolds holds, Cancellations cancellations) {
        this.holds = holds;
        this.cancellations = cancellations;
    }

    @Scheduled(every = "${pipeline.batch-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void enforceHolds() {
        try {
            holds.enforce();
            cancellations.cancelLateArrivals();
        } catch (RuntimeException e) {
            LOG.warnf("Operator holds not applied this time (tried again in a second): %s", e.toString());
        }
    }
}
