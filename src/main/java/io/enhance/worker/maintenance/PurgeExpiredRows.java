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
import io.enhance.worker.jobs.JobStore;
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

    /** One table's expired rows, deleted a batch at a time. */
    record Purge(String table, Function<RetentionConfig, Duration> retention, ExpiredRowsDelete deleteExpired) {
    }

    /** Deletes at most {@code limit} rows older than {@code cutoff}; returns how many it deleted. */
    interface ExpiredRowsDelete {

        int delete(Instant cutoff, int limit);
    }

    private final EntityManager entityManager;
    private final RetentionConfig config;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final List<Purge> purges;

    PurgeExpiredRows(EntityManager entityManager, RetentionConfig config, Rounds rounds, DatabaseClock clock,
            JobStore store) {
        this.clock = clock;
        this.entityManager = entityManager;
        this.config = config;
        this.rounds = rounds;
        this.purges = List.of(
                byCtid("webhook_deliveries", """
                        select ctid from webhook_deliveries where applied_at < ?1 limit ?2""",
                        retention -> longest(retention.webhookDeliveries(), SHORTEST_WEBHOOK_RETENTION)),
                byCtid("outbox_events", """
                        select ctid from outbox_events where sent_at < ?1 limit ?2""", RetentionConfig::sentEvents),
                new Purge("job_transitions", RetentionConfig::jobTransitions, store::purgeFinishedTransitions),
                // the dashboard's per-minute charts; batch totals are kept in batch_counts
                byCtid("activity_minutes", """
                        select ctid from activity_minutes where minute < ?1 limit ?2""", RetentionConfig::jobTransitions),
                byCtid("rejected_messages", """
                        select ctid from rejected_messages where received_at < ?1 limit ?2""",
                        RetentionConfig::rejectedMessages),
                // dashboard sign-ins past their API_SESSION_LIFETIME, which open nothing any more
                byCtid("dashboard_sessions", """
                        select ctid from dashboard_sessions where expires_at < ?1 limit ?2""", retention -> Duration.ZERO));
    }

    /** A purge of the rows whose ctids {@code expiredRows} selects, given the cutoff ?1 and the rows per purge ?2. */
    private Purge byCtid(String table, String expiredRows, Function<RetentionConfig, Duration> retention) {
        return new Purge(table, retention, (cutoff, limit) -> entityManager.createNativeQuery(
                "delete from " + table + " where ctid in (" + expiredRows + ")")
                .setParameter(1, cutoff)
                .setParameter(2, limit)
                .executeUpdate());
    }

    @Scheduled(every = "${retention.interval:10m}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        Instant now = clock.now();
        for (Purge purge : purges) {
            Instant cutoff = now.minus(purge.retention().apply(config));
            AtomicInteger deleted = new AtomicInteger();
            rounds.repeatWhileFull(config.rowsPerPurge(), () -> {
                int purged = purgeOnce(purge, cutoff);
                deleted.addAndGet(purged);
                return purged;
            });
            if (deleted.get() > 0) {
                LOG.infof("Purged %d expired rows of %s (cutoff %s)", deleted.get(), purge.table(), cutoff);
            }
        }
    }

    /** Returns how many rows it deleted. */
    @Transactional
    int purgeOnce(Purge purge, Instant cutoff) {
        return purge.deleteExpired().delete(cutoff, config.rowsPerPurge());
    }

    private static Duration longest(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
