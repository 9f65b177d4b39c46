package io.enhance.worker.runtime;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Each worker's heartbeat in {@code worker_heartbeats}: the proof, on the database's clock, that the
 * process was alive, so that the jobs of one that stopped (killed, crashed, cut off) are taken on within
 * seconds instead of when their leases run out, and its unanswered submits settled with a window that
 * ends when it was found stopped. A worker only takes another for stopped after it has itself beaten
 * without a gap for the silence limit: after a database outage every heartbeat is old, and none of them
 * means a dead worker.
 */
@ApplicationScoped
public class WorkerHeartbeats {

    private static final Logger LOG = Logger.getLogger(WorkerHeartbeats.class);

    private final WorkerIdentity worker;
    private final LeaseHandBack leases;
    private final EntityManager entityManager;
    private final Event<WorkerStopped> stoppedWorkers;
    private final DatabaseClock clock;
    private final PipelineConfig pipeline;
    private final Instant startedAt;
    /** When this worker's present run of heartbeats without a gap began; null after a failed one. */
    private volatile Instant beatingSince;
    private volatile Instant lastBeat;

    WorkerHeartbeats(WorkerIdentity worker, LeaseHandBack leases, EntityManager entityManager,
            Event<WorkerStopped> stoppedWorkers, DatabaseClock clock, PipelineConfig pipeline) {
        this.worker = worker;
        this.leases = leases;
        this.entityManager = entityManager;
        this.stoppedWorkers = stoppedWorkers;
        this.clock = clock;
        this.pipeline = pipeline;
        this.startedAt = clock.now();
    }

    /**
     * Records that this worker is alive, and hands back the leases of workers that are not; run by
     * {@code maintenance.Sweeps}.
     */
    public void beat() {
        if (!pipeline.enabled()) {
            return;
        }
        Instant now = clock.now();
        try {
            QuarkusTransaction.requiringNew().run(() -> entityManager.createNativeQuery("""
                    insert into worker_heartbeats (worker, started_at, beat_at) values (?1, ?2, ?3)
                    on conflict (worker) do update set beat_at = excluded.beat_at""")
                    .setParameter(1, worker.name()).setParameter(2, startedAt).setParameter(3, now).executeUpdate());
            boolean gap = lastBeat == null || now.isAfter(lastBeat.plus(pipeline.heartbeatInterval().multipliedBy(3)));
            if (beatingSince == null || gap) {
                beatingSince = now;
            }
            lastBeat = now;
            handBackLeasesOfStoppedWorkers(now);
        } catch (RuntimeException e) {
            beatingSince = null;
            LOG.debugf("Heartbeat not recorded: %s", e.toString());
        }
    }

    /**
     * Whether this worker beat recently enough that nobody can take it for stopped: a submit sent by a
     * worker that others may already have given up on could be paid for twice.
     */
    public boolean aliveToOthers() {
        Instant last = lastBeat;
        return last != null && clock.now().isBefore(last.plus(pipeline.workerSilenceLimit().dividedBy(2)));
    }

    /**
     * Hands back the leases of workers silent for longer than the silence limit, once: their jobs are due
     * at once, and a submit one of them left unanswered is settled with a window that ends now. Judged
     * only after this worker has itself beaten without a gap for that long.
     */
    private void handBackLeasesOfStoppedWorkers(Instant now) {
        Instant silentSince = now.minus(pipeline.workerSilenceLimit());
        Instant since = beatingSince;
        if (since == null || since.isAfter(silentSince)) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<String> stopped = QuarkusTransaction.requiringNew().call(() -> entityManager.createNativeQuery(
                "select worker from worker_heartbeats where beat_at < ?1 and worker <> ?2")
                .setParameter(1, silentSince).setParameter(2, worker.name()).getResultList());
        for (String silent : stopped) {
            stoppedWorkers.fire(new WorkerStopped(silent));
            int handedBack = leases.handBackLeases(silent);
            forget(silent);
            LOG.infof("Worker %s stopped beating %s ago; %d of its lease(s) handed back", silent,
                    pipeline.workerSilenceLimit(), handedBack);
        }
    }

    private void forget(String stopped) {
        QuarkusTransaction.requiringNew().run(() -> entityManager
                .createNativeQuery("delete from worker_heartbeats where worker = ?1").setParameter(1, stopped).executeUpdate());
    }

    /** A worker stopping gracefully has handed its leases back (GracefulShutdown) and says goodbye. */
    void stopped(@Observes ShutdownEvent event) {
        try {
            forget(worker.name());
        } catch (RuntimeException e) {
            LOG.debugf("Heartbeat not removed; it goes stale by itself: %s", e.toString());
        }
    }
}
