package io.enhance.worker.batches;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;

import io.enhance.worker.events.JobEvents;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.SubmissionHolds;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * An operator pauses or resumes submissions, for a batch or for all; jobs already submitted go on.
 * Queued jobs a hold covers move to PAUSED and back to QUEUED when it is lifted, each move recorded
 * in the job's transitions, and every pause or resume is announced by an event written in the same
 * transaction.
 */
@ApplicationScoped
public class BatchHolds {

    private final EntityManager entityManager;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final Event<JobsResumed> resumed;
    private final JobStore store;

    BatchHolds(EntityManager entityManager, JobEvents events, DatabaseClock clock, Event<JobsResumed> resumed, JobStore store) {
        this.entityManager = entityManager;
        this.events = events;
        this.clock = clock;
        this.resumed = resumed;
        this.store = store;
    }

    public Optional<BatchActionResult> pauseBatch(String batchId) {
        return controlBatch(batchId, true);
    }

    public Optional<BatchActionResult> resumeBatch(String batchId) {
        return controlBatch(batchId, false);
    }

    /** Pauses submissions for every batch; jobs already submitted go on. */
    public BatchActionResult pauseAll() {
        return controlAll(true);
    }

    public BatchActionResult resumeAll() {
        return controlAll(false);
    }

    /**
     * Pauses jobs that intake stored or a retry queued just as a hold was set, and resumes any left
     * paused after it was lifted: the hold sweep's chore.
     */
    public void enforce() {
        QuarkusTransaction.requiringNew().run(() -> {
            // with no hold set, no queued job can be held: the pause statement would only scan the backlog
            if (anyHoldSet()) {
                applyHolds(clock.now(), null);
            } else {
                resumeUnheld(clock.now(), null);
            }
        });
    }

    private Optional<BatchActionResult> controlBatch(String batchId, boolean pause) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.now();
            var update = entityManager.createNativeQuery(pause
                    ? "update batches set paused_at = coalesce(paused_at, ?2) where batch_key = ?1"
                    : "update batches set paused_at = null where batch_key = ?1").setParameter(1, batchId);
            if (pause) {
                update.setParameter(2, now);
            }
            if (update.executeUpdate() == 0) {
                return Optional.<BatchActionResult> empty();
            }
            Map<String, Long> moved = applyHolds(now, batchId);
            events.operatorAction(pause ? "batch.paused" : "batch.resumed", batchId, eventData(batchId, moved), now);
            return Optional.of(new BatchActionResult(batchId, pause ? "pause" : "resume", moved,
                    pause ? "paused; jobs already submitted go on" : "resumed"));
        });
    }

    private BatchActionResult controlAll(boolean pause) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.now();
            var update = entityManager.createNativeQuery(pause
                    ? "update submission_controls set paused_at = coalesce(paused_at, ?1)"
                    : "update submission_controls set paused_at = null");
            if (pause) {
                update.setParameter(1, now);
            }
            update.executeUpdate();
            Map<String, Long> moved = applyHolds(now, null);
            events.operatorAction(pause ? "submissions.paused" : "submissions.resumed", "submissions",
                    eventData(null, moved), now);
            return new BatchActionResult(null, pause ? "pause" : "resume", moved,
                    pause ? "submissions paused; jobs already submitted go on" : "submissions resumed");
        });
    }

    private static Map<String, Object> eventData(String batchId, Map<String, Long> moved) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("batch_id", batchId);
        data.put("jobs", moved);
        return data;
    }

    /**
     * Moves queued jobs that a hold now covers to PAUSED and paused jobs no hold covers back to QUEUED,
     * in one statement each, recording every move as a transition: the jobs of {@code batchId}, or all jobs if null.
     */
    private Map<String, Long> applyHolds(Instant now, String batchId) {
        Map<String, Long> moved = new LinkedHashMap<>();
        moved.put("paused", store.moveByHold(JobStatus.WAITING_TO_SUBMIT, JobStatus.PAUSED, true, batchId,
                SubmissionHolds.PAUSED, now));
        moved.put("resumed", resumeUnheld(now, batchId));
        return moved;
    }

    /** Moves paused jobs that no hold covers any more back to QUEUED, and says so. */
    private long resumeUnheld(Instant now, String batchId) {
        long queued = store.moveByHold(Set.of(JobStatus.PAUSED), JobStatus.QUEUED, false, batchId,
                SubmissionHolds.RESUMED, now);
        if (queued > 0) {
            resumed.fire(new JobsResumed(queued));
        }
        return queued;
    }

    private boolean anyHoldSet() {
        return (Boolean) entityManager.createNativeQuery("select exists (select 1 from submission_controls"
                + " where paused_at is not null) or exists (select 1 from batches where paused_at is not null"
                + " or cancelled_at is not null)").getSingleResult();
    }
}
