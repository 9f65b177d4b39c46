package io.enhance.worker.maintenance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import io.enhance.worker.config.RetentionConfig;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.tracking.WebhookSignatures;
import io.quarkus.scheduler.Scheduled;

/**
 * Deletes bookkeeping rows past their retention: applied webhook deliveries, sent outbox events, the
 * transitions of finished jobs, rejected messages and expired dashboard sessions. Each statement deletes
 * at most one batch, in its own short transaction, so a large backlog never holds locks or a transaction
 * for long.
 */
@ApplicationScoped
public class PurgeExpiredRows {

    private static final Logger LOG = Logger.getLogger(PurgeExpiredRows.class);
    /** A delivery forgotten while its timestamp is still fresh could be replayed and applied again. */
    private static final Duration SHORTEST_WEBHOOK_RETENTION = WebhookSignatures.TOLERANCE.multipliedBy(2);

    /** One table's expired rows: {@code expiredRows} selects their ctids, given the cutoff ?1 and the batch size ?2. */
    record Purge(String table, String expiredRows, Function<RetentionConfig, Duration> retention) {
    }

    static final List<Purge> PURGES = List.of(
            new Purge("webhook_deliveries", """
                    select ctid from webhook_deliveries where applied_at < ?1 limit ?2""",
                    config -> longest(config.webhookDeliveries(), SHORTEST_WEBHOOK_RETENTION)),
            new Purge("outbox_events", """
                    select ctid from outbox_events where sent_at < ?1 limit ?2""", RetentionConfig::sentEvents),
            // finished_at is set only when a job reaches a final state, and no transition follows it
            new Purge("job_transitions", """
                    select t.ctid from job_transitions t join jobs j on j.id = t.job
                    where t.at < ?1 and j.finished_at < ?1 limit ?2""", RetentionConfig::jobTransitions),
            // the dashboard's per-minute charts; batch totals are kept in batch_counts
            new Purge("activity_minutes", """
                    select ctid from activity_minutes where minute < ?1 limit ?2""", RetentionConfig::jobTransitions),
            new Purge("rejected_messages", """
                    select ctid from rejected_messages where received_at < ?1 limit ?2""",
                    RetentionConfig::rejectedMessages),
            // dashboard sign-ins past their API_SESSION_LIFETIME, which open nothing any more
            new Purge("dashboard_sessions", """
                    select ctid from dashboard_sessions where expires_at < ?1 limit ?2""", config -> Duration.ZERO));

    private final EntityManager entityManager;
    private final RetentionConfig config;
    private final Rounds rounds;
    private final DatabaseClock clock;

    PurgeExpiredRows(EntityManager entityManager, RetentionConfig config, Rounds rounds, DatabaseClock clock) {
        this.clock = clock;
        this.entityManager = entityManager;
        this.config = config;
        this.rounds = rounds;
    }

    @Scheduled(every = "${retention.interval:10m}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        Instant now = clock.now();
        for (Purge purge : PURGES) {
            Instant cutoff = now.minus(purge.retention().apply(config));
            AtomicInteger deleted = new AtomicInteger();
            rounds.repeatWhileFull(config.rowsPerPurge(), () -> {
                int batch = purgeBatch(purge, cutoff);
                deleted.addAndGet(batch);
                return batch;
            });
            if (deleted.get() > 0) {
                LOG.infof("Purged %d expired rows of %s (cutoff %s)", deleted.get(), purge.table(), cutoff);
            }
        }
    }

    /** Returns how many rows it deleted. */
    @Transactional
    int purgeBatch(Purge purge, Instant cutoff) {
        return entityManager.createNativeQuery(
                "delete from " + purge.table() + " where ctid in (" + purge.expiredRows() + ")")
                .setParameter(1, cutoff)
                .setParameter(2, config.rowsPerPurge())
                .executeUpdate();
    }

    private static Duration longest(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
