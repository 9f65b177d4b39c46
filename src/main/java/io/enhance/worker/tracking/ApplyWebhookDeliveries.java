package io.enhance.worker.tracking;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.jobs.BoundPrediction;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.submission.TaggedPredictions;
import io.enhance.worker.submission.WebhookTags;
import io.enhance.worker.tracing.JobTraces;
import io.enhance.worker.wavespeed.Prediction;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Applies stored webhook deliveries to their jobs, through the same path as poll results. A
 * delivery may arrive before its submission is committed, so one whose job is not known yet waits
 * (up to an hour); one for a job that is no longer tracked changes nothing, and one for a job being cancelled
 * only delivers a task that finished first. A delivery tagged with
 * the current attempt of a job whose POST went unanswered binds its prediction to that job first
 * ({@link TaggedPredictions}: submission's to judge).
 */
@ApplicationScoped
public class ApplyWebhookDeliveries {

    private static final Duration KEEP_UNMATCHED = Duration.ofHours(1);

    private final EntityManager entityManager;
    private final PredictionResults results;
    private final PipelineConfig pipeline;
    private final ObjectMapper json;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final Wakeups wakeups;
    private final WebhookDeliveries deliveries;
    private final JobTraces traces;
    private final TaggedPredictions taggedPredictions;
    private final JobStore store;

    ApplyWebhookDeliveries(EntityManager entityManager, PredictionResults results, PipelineConfig pipeline,
            ObjectMapper json, Rounds rounds, DatabaseClock clock, Wakeups wakeups, WebhookDeliveries deliveries,
            JobTraces traces, TaggedPredictions taggedPredictions, JobStore store) {
        this.store = store;
        this.taggedPredictions = taggedPredictions;
        this.traces = traces;
        this.deliveries = deliveries;
        this.wakeups = wakeups;
        this.clock = clock;
        this.rounds = rounds;
        this.entityManager = entityManager;
        this.results = results;
        this.pipeline = pipeline;
        this.json = json;
    }

    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.WEBHOOKS, () -> rounds.repeatWhileFull(pipeline.claimSize(), this::applyRound));
    }

    /** The sweep: deliveries received by other workers, and those that waited for their job. */
    @Scheduled(every = "${pipeline.webhook-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void applyPending() {
        wakeups.wake(Stage.WEBHOOKS);
    }

    /** Returns how many deliveries were settled (applied, or dropped as no longer relevant). */
    @Transactional
    int applyRound() {
        Instant now = clock.now();
        // only deliveries whose job is known, or that waited for it long enough: unmatched ones must not crowd out the rest
        List<JobStore.DeliveryToApply> pending = store.lockDeliveriesToApply(pipeline.claimSize(),
                now.minus(KEEP_UNMATCHED));
        for (JobStore.DeliveryToApply delivery : pending) {
            Optional<WebhookTags.Tag> tag = delivery.taggedJob() == null ? Optional.empty()
                    : Optional.of(new WebhookTags.Tag(delivery.taggedJob(), delivery.taggedAttempt()));
            apply(jobOf(delivery.predictionId(), tag, now), delivery.webhookId(), delivery.webhookTimestamp(),
                    delivery.body(), now);
        }
        return pending.size();
    }

    /** Whether {@code predictionId} is, or was, bound to a job. */
    @Transactional
    public boolean knows(String predictionId) {
        return BoundPrediction.findByIdOptional(predictionId).isPresent();
    }

    /**
     * Stores a verified delivery and, when its job is known, applies it in the same transaction, so a
     * result reaches delivery without waiting for a round; one whose job is not known yet is left to the
     * rounds. False for a replay (this delivery was stored before).
     */
    @Transactional
    public boolean receive(String webhookId, long timestamp, String predictionId, String body, Optional<WebhookTags.Tag> tag) {
        if (!deliveries.storeIfNew(webhookId, timestamp, predictionId, body, tag)) {
            return false;
        }
        Instant now = clock.now();
        Optional<Job> job = jobOf(predictionId, tag, now);
        if (job.isPresent()) {
            apply(job, webhookId, timestamp, body, now);
        } else {
            wakeups.wakeAfterCommit(Stage.WEBHOOKS);
        }
        return true;
    }

    /** The job following {@code predictionId}, or the tagged attempt's job, which then adopts it (submission binds it). */
    private Optional<Job> jobOf(String predictionId, Optional<WebhookTags.Tag> tag, Instant now) {
        Optional<Job> job = store.lockFollowing(predictionId);
        return job.isEmpty() && tag.isPresent() ? taggedPredictions.bind(tag.get().job(), tag.get().attempt(), predictionId, now) : job;
    }

    /** Applies the delivery to its job if that still follows a prediction (else it changes nothing) and marks it applied. */
    private void apply(Optional<Job> job, String webhookId, long timestamp, String body, Instant now) {
        job.filter(j -> JobStatus.TRACKED.contains(j.status) || j.status == JobStatus.CANCELLING)
                .ifPresent(j -> applyTraced(j, webhookId, parse(body)));
        entityManager.createNativeQuery("""
                update webhook_deliveries set applied_at = ?1 where webhook_id = ?2 and webhook_timestamp = ?3""")
                .setFlushMode(FlushModeType.COMMIT)
                .setParameter(1, now)
                .setParameter(2, webhookId)
                .setParameter(3, timestamp)
                .executeUpdate();
    }

    /** The delivery's result, applied to its job under a span in the job's trace. */
    private void applyTraced(Job job, String webhookId, Prediction prediction) {
        Span span = traces.stage(JobTraces.WEBHOOK, SpanKind.CONSUMER, job.traced());
        span.setAttribute("webhook_id", webhookId);
        try {
            if (job.status == JobStatus.CANCELLING) {
                results.deliverIfFinished(job, prediction); // a finished task is paid for; the cancel stage decides the rest
            } else {
                results.apply(job, prediction);
            }
            JobTraces.endWith(span, prediction.status());
        } catch (RuntimeException e) {
            JobTraces.endFailed(span, "not_applied", e);
            throw e;
        }
    }

    private Prediction parse(String body) {
        try {
            return Prediction.from(json.readTree(body));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored delivery was checked as JSON when it arrived", e);
        }
    }
}
