package io.enhance.worker.intake;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.tracing.JobTraces;
import io.enhance.worker.tracing.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;

/**
 * Consumes {@code enhance.requests}. Messages are stored many per transaction ({@link GroupCommits}),
 * and a message is acked only after the commit that holds its job; a rejected
 * one is nacked without requeue so the broker moves it to the dead-letter queue. While the database
 * is down or refuses writes, messages are held unacked and intake pauses ({@link JobStoreOutage}); a message that
 * fails while the database is healthy goes back to the queue after a pause, and is given up on
 * after its {@code QUEUES_DELIVERY_LIMIT}th such failure, counted by the worker itself.
 */
@ApplicationScoped
public class JobRequestListener {

    public static final String CHANNEL = "job-requests";

    private static final Logger LOG = Logger.getLogger(JobRequestListener.class);
    private static final Duration MAX_REQUEUE_PAUSE = Duration.ofMinutes(1);
    /** Below RabbitMQ's consumer_timeout (30 min), which would close the channel over a message held longer. */
    private static final Duration MAX_HOLD = Duration.ofMinutes(20);

    private final JobIntake intake;
    private final GroupCommits groupCommits;
    private final JobStoreOutage outage;
    private final PipelineConfig pipeline;
    private final QueuesConfig queues;
    private final Rounds rounds;
    private final JobTraces traces;

    JobRequestListener(JobIntake intake, GroupCommits groupCommits, JobStoreOutage outage, PipelineConfig pipeline,
            QueuesConfig queues, Rounds rounds, JobTraces traces) {
        this.traces = traces;
        this.intake = intake;
        this.groupCommits = groupCommits;
        this.outage = outage;
        this.pipeline = pipeline;
        this.queues = queues;
        this.rounds = rounds;
    }

    /**
     * Read on a worker thread, then stored with the messages around it; under way (for shutdown)
     * until it is stored and its ack, nack or hold has begun.
     */
    @Incoming(CHANNEL)
    @Blocking(ordered = false)
    public CompletionStage<Void> receive(Message<byte[]> message) {
        return rounds.duringAsync(() -> handle(message)).thenCompose(settled -> settled);
    }

    private CompletionStage<CompletionStage<Void>> handle(Message<byte[]> message) {
        Optional<IncomingRabbitMQMetadata> rabbit = message.getMetadata(IncomingRabbitMQMetadata.class);
        String messageId = rabbit.flatMap(IncomingRabbitMQMetadata::getMessageId).orElse(null);
        boolean redelivered = rabbit.map(IncomingRabbitMQMetadata::isRedeliver).orElse(false);
        // a message held through an outage and handled again gets an intake span per attempt
        Span span = traces.intake(rabbit.map(IncomingRabbitMQMetadata::getHeaders).orElse(null), queues.requests());
        TraceContext trace = TraceContext.of(span);
        RequestMessage request;
        try {
            request = intake.read(message.getPayload(), messageId, redelivered, trace);
        } catch (RuntimeException unreadable) { // a parser fault, counted like any failure to store
            JobTraces.endFailed(span, "not_stored", unreadable);
            return CompletableFuture.completedFuture(notStored(message, messageId, unreadable, trace));
        }
        // the group commit fails a message only with the RuntimeException that kept it from being stored
        return groupCommits.store(request).handle((result, error) -> {
            if (error != null) {
                JobTraces.endFailed(span, "not_stored", error);
                return notStored(message, messageId, (RuntimeException) error, trace);
            }
            if (result.jobId() != null) {
                span.setAttribute(JobTraces.JOB_ID, result.jobId());
            }
            JobTraces.endWith(span, result.outcome().name().toLowerCase(Locale.ROOT));
            return settle(message, result);
        });
    }

    private CompletionStage<Void> notStored(Message<byte[]> message, String messageId, RuntimeException error,
            TraceContext trace) {
        if (outage.explains(error)) {
            return holdUntilRecovered(message);
        }
        Optional<Integer> failures;
        try {
            failures = Optional.of(intake.countFailure(message.getPayload(), messageId, error));
        } catch (RuntimeException countNotWritten) {
            if (outage.explains(countNotWritten)) {
                return holdUntilRecovered(message);
            }
            LOG.warnf("Failed attempt not counted: %s", countNotWritten.toString());
            failures = Optional.empty(); // requeued uncounted
        }
        if (failures.isPresent() && failures.get() >= queues.deliveryLimit()) {
            return settle(message, lastAttempt(message.getPayload(), messageId, failures.get(), error, trace));
        }
        Duration pause = requeuePause(failures.orElse(1));
        LOG.warnf("Request not stored (failed attempt %s of %d), requeueing it in %s: %s",
                failures.map(String::valueOf).orElse("?"), queues.deliveryLimit(), pause, error.toString());
        return Uni.createFrom().voidItem()
                .onItem().delayIt().by(pause)
                .chain(() -> Uni.createFrom().completionStage(requeue(message, error)))
                .subscribeAsCompletionStage();
    }

    /** Unacked, so no delivery is spent; handled again once jobs can be stored, or requeued before the broker's timeout. */
    private CompletionStage<Void> holdUntilRecovered(Message<byte[]> message) {
        return Uni.createFrom().completionStage(outage.recovered())
                .ifNoItem().after(MAX_HOLD).fail()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(() -> Uni.createFrom().completionStage(() -> receive(message)))
                .onFailure(TimeoutException.class).recoverWithUni(heldTooLong -> Uni.createFrom().completionStage(
                        requeue(message, new IllegalStateException("database down for over " + MAX_HOLD))))
                .subscribeAsCompletionStage();
    }

    private static CompletionStage<Void> requeue(Message<byte[]> message, Throwable reason) {
        return message.nack(reason, Metadata.of(new RabbitMQRejectMetadata(true)));
    }

    private CompletionStage<Void> settle(Message<byte[]> message, JobIntake.Result result) {
        if (result.outcome() == JobIntake.Outcome.REJECTED) {
            LOG.infof("Rejected request %s: %s", result.jobId() == null ? "without a valid job_id" : result.jobId(),
                    result.problems());
            return message.nack(new RejectedRequestException(result.problems().toString()),
                    Metadata.of(new RabbitMQRejectMetadata(false)));
        }
        if (result.outcome() == JobIntake.Outcome.DUPLICATE) {
            LOG.debugf("Job %s already exists; duplicate request acknowledged", result.jobId());
        }
        return message.ack();
    }

    /** The limit is reached: record the message as rejected if the database lets us, then dead-letter it. */
    private JobIntake.Result lastAttempt(byte[] body, String messageId, int failures, RuntimeException error,
            TraceContext trace) {
        LOG.errorf("Request not stored after %d attempts, dead-lettering it: %s", failures, error.toString());
        try {
            return intake.giveUp(body, messageId, failures, error, trace);
        } catch (RuntimeException alsoFailed) {
            LOG.errorf("Request dead-lettered without a rejection record: %s", alsoFailed.toString());
            return new JobIntake.Result(JobIntake.Outcome.REJECTED, null, List.of());
        }
    }

    /** Doubles from the configured pause with each failure, up to a minute. */
    private Duration requeuePause(int failures) {
        long millis = pipeline.requeueDelay().toMillis() << Math.min(failures - 1, 16);
        return Duration.ofMillis(Math.min(millis, MAX_REQUEUE_PAUSE.toMillis()));
    }
}
