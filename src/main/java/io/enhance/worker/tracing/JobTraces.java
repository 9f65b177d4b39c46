package io.enhance.worker.tracing;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.wavespeed.Redaction;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/**
 * Starts the worker's spans. A request's intake span continues the trace in its AMQP headers, and its
 * context is stored with the job, so that every later stage, on whichever worker, starts its span as a
 * child of it. Spans wrap one job's call (a submit, a poll, a transfer, a publish), never a whole round.
 */
@ApplicationScoped
public class JobTraces {

    public static final String INTAKE = "intake";
    public static final String SUBMIT = "wavespeed.submit";
    public static final String POLL = "wavespeed.poll";
    public static final String WEBHOOK = "wavespeed.webhook";
    public static final String DOWNLOAD = "output.download";
    public static final String S3_PUT = "s3.put";
    public static final String PUBLISH = "event.publish";

    public static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("job_id");
    public static final AttributeKey<String> BATCH_ID = AttributeKey.stringKey("batch_id");
    public static final AttributeKey<String> PREDICTION_ID = AttributeKey.stringKey("prediction_id");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("attempt");
    /** What the call came to: accepted, duplicate, rejected, completed, not_created, unavailable, ... */
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

    private final Tracer tracer;

    JobTraces(Tracer tracer) {
        this.tracer = tracer;
    }

    /** One request message's intake: a child of the context in its AMQP headers, or the start of a new trace. */
    public Span intake(Map<String, ?> headers, String queue) {
        return tracer.spanBuilder(INTAKE)
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(TraceContext.extract(headers == null ? Map.of() : headers))
                .setAttribute("messaging.system", "rabbitmq")
                .setAttribute("messaging.destination.name", queue)
                .startSpan();
    }

    /** A stage's call for one job, a child of the context stored with the job. */
    public Span stage(String name, SpanKind kind, TracedJob job) {
        SpanBuilder span = tracer.spanBuilder(name)
                .setSpanKind(kind)
                .setParent(job.context().context())
                .setAttribute(JOB_ID, job.jobId())
                .setAttribute(ATTEMPT, (long) job.attempt());
        if (job.batchId() != null) {
            span.setAttribute(BATCH_ID, job.batchId());
        }
        if (job.predictionId() != null) {
            span.setAttribute(PREDICTION_ID, job.predictionId());
        }
        return span.startSpan();
    }

    /** One outbox event's publish, a child of the context stored with the event. */
    public Span publish(TraceContext parent, String exchange, String routingKey, String messageId, String subject) {
        SpanBuilder span = tracer.spanBuilder(PUBLISH)
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(parent.context())
                .setAttribute("messaging.system", "rabbitmq")
                .setAttribute("messaging.destination.name", exchange)
                .setAttribute("messaging.rabbitmq.destination.routing_key", routingKey)
                .setAttribute("messaging.message.id", messageId);
        if (subject != null) {
            span.setAttribute(JOB_ID, subject);
        }
        return span.startSpan();
    }

    /**
     * Marks the span failed with what went wrong, and ends it. Spans leave the worker like log lines,
     * so the description loses URL queries (presigned signatures) as logs do.
     */
    public static void endFailed(Span span, String outcome, String description) {
        span.setAttribute(OUTCOME, outcome);
        span.setStatus(StatusCode.ERROR, Redaction.withoutUrlQueries(description));
        span.end();
    }

    /** Marks the span failed with the error's type and message (not its causes or stack), and ends it. */
    public static void endFailed(Span span, String outcome, Throwable error) {
        span.setAttribute("exception.type", error.getClass().getName());
        endFailed(span, outcome, String.valueOf(error.getMessage()));
    }

    public static void endWith(Span span, String outcome) {
        span.setAttribute(OUTCOME, outcome);
        span.end();
    }
}
