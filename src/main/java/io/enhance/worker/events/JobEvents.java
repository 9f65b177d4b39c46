package io.enhance.worker.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.intake.FinishedJobRequested;
import io.enhance.worker.intake.RequestProblem;
import io.enhance.worker.intake.RequestRejected;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobEnded;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.tracing.TraceContext;
import io.opentelemetry.api.trace.Span;

/**
 * Writes outcome events as CloudEvents 1.0 (structured JSON) into the outbox, inside the caller's
 * transaction. Event ids are derived from the outcome, so writing the same outcome twice yields one event.
 * An event carries the trace context it belongs to as the CloudEvents distributed-tracing attributes
 * {@code traceparent} and {@code tracestate}: a job's events the job's (its intake span's), so that a
 * consumer continues the request's trace, and the same bytes go out again for the same event id.
 */
@ApplicationScoped
public class JobEvents {

    public static final String CONTENT_TYPE = "application/cloudevents+json";
    /**
     * The {@code $id}s of the published data schemas ({@code src/main/asyncapi/schemas/}, served under
     * {@code /schemas/}) start with this; they name the schemas and need not resolve.
     */
    public static final String SCHEMA_BASE = "https://enhance-worker.example/schemas/";

    private final EntityManager entityManager;
    private final ObjectMapper json;
    private final QueuesConfig queues;
    private final WaveSpeedConfig wavespeed;
    private final Wakeups wakeups;

    JobEvents(EntityManager entityManager, ObjectMapper json, QueuesConfig queues, WaveSpeedConfig wavespeed,
            Wakeups wakeups) {
        this.wakeups = wakeups;
        this.entityManager = entityManager;
        this.json = json;
        this.queues = queues;
        this.wavespeed = wavespeed;
    }

    /** A synchronous observer: the event row joins the transaction that ended the job, or neither commits. */
    @Transactional(Transactional.TxType.MANDATORY)
    void onJobEnded(@Observes JobEnded ended) {
        jobFinished(ended.job());
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void jobFinished(Job job) {
        String outcome = outcome(job);
        ObjectNode data = json.createObjectNode();
        data.put("job_id", job.jobId);
        data.put("batch_id", job.batchId);
        data.put("status", outcome);
        data.put("prediction_id", job.predictionId);
        data.put("model", wavespeed.model());
        data.set("outputs", json.valueToTree(job.outputs == null ? List.of() : job.outputs.stream()
                .map(o -> json.createObjectNode()
                        .put("bucket", o.bucket())
                        .put("key", o.key())
                        .put("content_type", o.contentType())
                        .put("size", o.size())
                        .put("sha256", o.sha256())
                        .put("width", o.width())
                        .put("height", o.height())
                        .put("has_nsfw_contents", o.hasNsfwContents()))
                .toList()));
        data.set("has_nsfw_contents", json.valueToTree(job.hasNsfwContents == null ? List.of() : job.hasNsfwContents));
        data.put("inference_ms", job.inferenceMs);
        data.put("attempts", job.attempts);
        data.put("cost_usd", job.costUsd);
        data.put("reused_from", job.reusedFrom);
        data.set("metadata", json.valueToTree(job.metadata));
        data.set("error", job.error()
                .<com.fasterxml.jackson.databind.JsonNode> map(e -> json.createObjectNode()
                        .put("code", e.code())
                        .put("message", e.message()))
                .orElse(json.nullNode()));
        if (job.status == JobStatus.CANCELLED) {
            data.put("upstream_cancelled", job.upstreamCancelled);
        }
        write(finishedId(job), "job." + outcome, job.jobId, data, job.finishedAt, job.traced().context());
    }

    /**
     * Publishes a finished job's outcome event again, with the same id: its outbox row is re-armed,
     * or re-written from the job if it was already purged.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void republishFinished(@Observes FinishedJobRequested requested) {
        Job job = requested.job();
        wakeups.wakeAfterCommit(Stage.RELAY);
        int rearmed = entityManager.createNativeQuery("update outbox_events set sent_at = null where id = ?1")
                .setParameter(1, finishedId(job))
                .executeUpdate();
        if (rearmed == 0) {
            jobFinished(job);
        }
    }

    private static UUID finishedId(Job job) {
        return stableId("job/" + job.jobId + "/" + outcome(job) + (job.retries == 0 ? "" : "/retry-" + job.retries));
    }

    /** An operator retried a failed job ({@code job.retried}): the failure it had and how the retry goes. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void jobRetried(Job job, String previousErrorCode, Job.RetryKind kind) {
        ObjectNode data = json.createObjectNode()
                .put("job_id", job.jobId)
                .put("batch_id", job.batchId)
                .put("previous_error_code", previousErrorCode)
                .put("retry", kind.name().toLowerCase(Locale.ROOT))
                .put("retries", job.retries);
        write(stableId("job/" + job.jobId + "/retried-" + job.retries), "job.retried", job.jobId, data, job.updatedAt,
                job.traced().context());
    }

    /**
     * An operator's action on a batch or on all submissions: {@code batch.paused}, {@code batch.resumed},
     * {@code batch.cancelled}, {@code batch.approved}, {@code batch.rejected}, {@code submissions.paused} or
     * {@code submissions.resumed}. Each action is an
     * event of its own.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void operatorAction(String routingKey, String subject, Map<String, Object> data, Instant at) {
        write(UUID.randomUUID(), routingKey, subject, json.valueToTree(data), at, TraceContext.of(Span.current()));
    }

    /** Every job of a sized batch has ended ({@code batch.completed}); {@code completion} counts from 1. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void batchCompleted(String batchId, int completion, Map<String, Object> data, Instant at) {
        write(stableId("batch/" + batchId + "/completed-" + completion), "batch.completed", batchId,
                json.valueToTree(data), at, TraceContext.of(Span.current()));
    }

    /** Every job of a batch's canary has ended ({@code batch.awaiting_approval}): written once per batch. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void batchAwaitingApproval(String batchId, Map<String, Object> data, Instant at) {
        write(stableId("batch/" + batchId + "/awaiting-approval"), "batch.awaiting_approval", batchId,
                json.valueToTree(data), at, TraceContext.of(Span.current()));
    }

    private static String outcome(Job job) {
        return job.status.name().toLowerCase(Locale.ROOT);
    }

    /** A rejected request's {@code job.rejected} event, in the transaction that keeps the rejection. */
    @Transactional(Transactional.TxType.MANDATORY)
    void jobRejected(@Observes RequestRejected rejected) {
        List<RequestProblem> problems = rejected.problems();
        ObjectNode data = json.createObjectNode();
        data.put("job_id", rejected.jobId());
        data.put("batch_id", rejected.batchId());
        data.put("status", "rejected");
        data.putNull("prediction_id");
        data.put("model", wavespeed.model());
        data.set("outputs", json.createArrayNode());
        data.set("has_nsfw_contents", json.createArrayNode());
        data.putNull("inference_ms");
        data.put("attempts", 0);
        data.put("cost_usd", java.math.BigDecimal.ZERO);
        data.putNull("metadata");
        data.set("error", json.createObjectNode()
                .put("code", "invalid_request")
                .put("message", String.join("; ", problems.stream().map(RequestProblem::toString).toList())));
        data.set("problems", json.valueToTree(problems));
        write(rejected.eventId(), "job.rejected", rejected.jobId(), data, Instant.now(), rejected.trace());
    }

    private void write(UUID id, String routingKey, String subject, ObjectNode data, Instant time, TraceContext trace) {
        ObjectNode event = json.createObjectNode()
                .put("specversion", "1.0")
                .put("id", id.toString())
                .put("source", queues.eventSource())
                .put("type", "enhance." + routingKey)
                .put("subject", subject)
                .put("time", time.toString())
                .put("datacontenttype", "application/json")
                .put("dataschema", dataSchema(routingKey));
        if (trace.present()) {
            event.put(TraceContext.TRACEPARENT, trace.traceParent());
            if (trace.traceState() != null) {
                event.put(TraceContext.TRACESTATE, trace.traceState());
            }
        }
        event.set("data", data);
        wakeups.wakeAfterCommit(Stage.RELAY);
        entityManager.createNativeQuery("""
                insert into outbox_events (id, routing_key, subject, payload, created_at, trace_parent, trace_state)
                values (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                on conflict (id) do nothing""")
                // reads nothing the caller changed: without this, every event flushed the caller's whole batch
                .setFlushMode(FlushModeType.COMMIT)
                .setParameter(1, id)
                .setParameter(2, routingKey)
                .setParameter(3, subject)
                .setParameter(4, event.toString())
                .setParameter(5, Instant.now())
                .setParameter(6, trace.traceParent())
                .setParameter(7, trace.traceState())
                .executeUpdate();
    }

    /**
     * Each routing key's data schema is the file named after it ({@code batch.awaiting_approval}: batch-awaiting-approval). Fields are only ever added within a version;
     * a breaking change would be a new type beside this one (src/docs/contract.md, "Compatibility").
     */
    static String dataSchema(String routingKey) {
        return SCHEMA_BASE + routingKey.replace('.', '-').replace('_', '-') + "/v1.json";
    }

    static UUID stableId(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }
}
