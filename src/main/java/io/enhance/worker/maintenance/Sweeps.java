package io.enhance.worker.maintenance;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.batches.BatchCounters;
import io.enhance.worker.batches.BatchHolds;
import io.enhance.worker.batches.Canaries;
import io.enhance.worker.batches.Cancellations;
import io.enhance.worker.intake.JobStoreOutage;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.WorkerHeartbeats;
import io.enhance.worker.submission.SettleUnknownSubmissions;
import io.quarkus.scheduler.Scheduled;

/**
 * When the sweeps run whose work lives beside its data: each method is a timer, the work is the named
 * bean's. The sweeps that are whole classes ({@link PurgeExpiredRows}, {@link BacklogMetrics},
 * {@link RelayLag}) keep their timers; the stages' loops keep theirs ({@code runtime.Wakeups}).
 * Skipped while idle ({@link Rounds.Idle}, at shutdown and when the pipeline is off) unless said otherwise.
 */
@ApplicationScoped
class Sweeps {

    private static final Logger LOG = Logger.getLogger(Sweeps.class);

    private final BatchCounters batchCounters;
    private final SettleUnknownSubmissions settlement;
    private final DatabaseClock clock;
    private final WorkerHeartbeats heartbeats;
    private final JobStoreOutage outage;
    private final BatchHolds holds;
    private final Cancellations cancellations;
    private final Canaries canaries;

    Sweeps(BatchCounters batchCounters, SettleUnknownSubmissions settlement, DatabaseClock clock,
            WorkerHeartbeats heartbeats, JobStoreOutage outage, BatchHolds holds, Cancellations cancellations,
            Canaries canaries) {
        this.canaries = canaries;
        this.holds = holds;
        this.cancellations = cancellations;
        this.batchCounters = batchCounters;
        this.settlement = settlement;
        this.clock = clock;
        this.heartbeats = heartbeats;
        this.outage = outage;
    }

    @Scheduled(every = "${pipeline.batch-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void foldBatchCounters() {
        try {
            batchCounters.fold();
        } catch (RuntimeException e) {
            LOG.warnf("Batch counters not folded this time (the changes wait for the next): %s", e.toString());
        }
    }

    /**
     * While any hold is set: pauses jobs that intake stored or a retry queued just as a hold was set,
     * resumes any left paused after it was lifted, cancels what arrives for a cancelled batch, and hands the
     * cancelled jobs whose task has become known since to the cancel stage; releases the canary of a batch
     * that asked for one, and the rest of an approved one.
     */
    @Scheduled(every = "${pipeline.batch-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void enforceOperatorHolds() {
        try {
            canaries.release();
            holds.enforce();
            cancellations.cancelLateArrivals();
        } catch (RuntimeException e) {
            LOG.warnf("Operator holds not applied this time (tried again in a second): %s", e.toString());
        }
    }

    @Scheduled(every = "${pipeline.settle-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void settleUnknownSubmissions() {
        settlement.settleDue();
    }

    // not skipped while idle: the API and the shutdown read the clock too
    @Scheduled(every = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void calibrateClock() {
        clock.calibrate();
    }

    // not skipped at shutdown: while its work under way finishes, others must not take this worker for stopped
    @Scheduled(every = "${pipeline.heartbeat-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void beat() {
        heartbeats.beat();
    }

    // idle at shutdown, so that intake paused for shutdown is never resumed here
    @Scheduled(every = "1s", skipExecutionIf = Rounds.Idle.class, concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probeJobStore() {
        outage.watchForRecovery();
    }
}
