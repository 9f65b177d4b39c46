package io.enhance.worker.tracking;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.Rounds;
import io.enhance.worker.wavespeed.Prediction;
import io.quarkus.scheduler.Scheduled;

/**
 * Applies stored webhook deliveries to their jobs, through the same path as poll results. A
 * delivery may arrive before its submission is committed, so one whose job is not known yet waits
 * (up to an hour); one for a job that is no longer tracked changes nothing.
 */
@ApplicationScoped
public class ApplyWebhookDeliveries {

    private static final Duration KEEP_UNMATCHED = Duration.ofHours(1);

    private final EntityManager entityManager;
    private final PredictionResults results;
    private final PipelineConfig pipeline;
    private final ObjectMapper json;
    private final Rounds rounds;

    ApplyWebhookDeliveries(EntityManager entityManager, PredictionResults results, PipelineConfig pipeline,
            ObjectMapper json, Rounds rounds) {
        this.rounds = rounds;
        this.entityManager = entityManager;
        this.results = results;
        this.pipeline = pipeline;
        this.json = json;
    }

    @Scheduled(every = "${pipeline.webhook-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void applyPending() {
        rounds.repeatWhileFull(pipeline.batchSize(), this::applyBatch);
    }

    /** Returns how many deliveries were settled (applied, or dropped as no longer relevant). */
    @Transactional
    int applyBatch() {
        Instant now = Instant.now();
        // only deliveries whose job is known, or that waited for it long enough: unmatched ones must not crowd out the rest
        @SuppressWarnings("unchecked")
        List<Object[]> pending = entityManager.createNativeQuery("""
                select d.webhook_id, d.webhook_timestamp, d.prediction_id, d.body from webhook_deliveries d
                where d.applied_at is null
                  and (exists (select 1 from jobs j where j.prediction_id = d.prediction_id) or d.received_at < ?2)
                order by d.received_at limit ?1 for update of d skip locked""")
                .setParameter(1, pipeline.batchSize())
                .setParameter(2, now.minus(KEEP_UNMATCHED))
                .getResultList();
        for (Object[] delivery : pending) {
            Optional<Job> job = Job.<Job> find("predictionId", delivery[2])
                    .withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
            job.filter(j -> JobStatus.TRACKED.contains(j.status))
                    .ifPresent(j -> results.apply(j, parse((String) delivery[3])));
            entityManager.createNativeQuery("""
                    update webhook_deliveries set applied_at = ?1 where webhook_id = ?2 and webhook_timestamp = ?3""")
                    .setParameter(1, now)
                    .setParameter(2, delivery[0])
                    .setParameter(3, delivery[1])
                    .executeUpdate();
        }
        return pending.size();
    }

    private Prediction parse(String body) {
        try {
            return Prediction.from(json.readTree(body));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored delivery was checked as JSON when it arrived", e);
        }
    }
}
