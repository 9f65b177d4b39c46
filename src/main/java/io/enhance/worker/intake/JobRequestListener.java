package io.enhance.worker.intake;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.jobs.Rounds;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;

/**
 * Consumes {@code enhance.requests}. A message is acked only after its job is committed; a rejected
 * one is nacked without requeue so the broker moves it to the dead-letter queue; a message that
 * met an infrastructure error goes back to the queue after a pause.
 */
@ApplicationScoped
public class JobRequestListener {

    private static final Logger LOG = Logger.getLogger(JobRequestListener.class);

    private final JobIntake intake;
    private final PipelineConfig pipeline;
    private final Rounds rounds;

    JobRequestListener(JobIntake intake, PipelineConfig pipeline, Rounds rounds) {
        this.intake = intake;
        this.pipeline = pipeline;
        this.rounds = rounds;
    }

    @Incoming("job-requests")
    @Blocking(ordered = false)
    public CompletionStage<Void> receive(Message<byte[]> message) {
        return rounds.during(() -> handle(message));
    }

    private CompletionStage<Void> handle(Message<byte[]> message) {
        JobIntake.Result result;
        try {
            String messageId = message.getMetadata(IncomingRabbitMQMetadata.class)
                    .flatMap(IncomingRabbitMQMetadata::getMessageId).orElse(null);
            result = intake.accept(message.getPayload(), messageId);
        } catch (RuntimeException e) {
            LOG.warnf("Request not stored, requeueing it in %s: %s", pipeline.requeueDelay(), e.toString());
            return Uni.createFrom().voidItem()
                    .onItem().delayIt().by(pipeline.requeueDelay())
                    .chain(() -> Uni.createFrom().completionStage(
                            message.nack(e, Metadata.of(new RabbitMQRejectMetadata(true)))))
                    .subscribeAsCompletionStage();
        }
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
}
