package io.enhance.worker.intake;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.QueuesConfig;
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
    private static final Duration MAX_REQUEUE_PAUSE = Duration.ofMinutes(1);

    private final JobIntake intake;
    private final PipelineConfig pipeline;
    private final QueuesConfig queues;
    private final Rounds rounds;

    JobRequestListener(JobIntake intake, PipelineConfig pipeline, QueuesConfig queues, Rounds rounds) {
        this.intake = intake;
        this.pipeline = pipeline;
        this.queues = queues;
        this.rounds = rounds;
    }

    @Incoming("job-requests")
    @Blocking(ordered = false)
    public CompletionStage<Void> receive(Message<byte[]> message) {
        return rounds.during(() -> handle(message));
    }

    private CompletionStage<Void> handle(Message<byte[]> message) {
        Optional<IncomingRabbitMQMetadata> rabbit = message.getMetadata(IncomingRabbitMQMetadata.class);
        String messageId = rabbit.flatMap(IncomingRabbitMQMetadata::getMessageId).orElse(null);
        JobIntake.Result result;
        try {
            result = intake.accept(message.getPayload(), messageId);
        } catch (RuntimeException e) {
            int deliveries = earlierDeliveries(rabbit) + 1;
            if (deliveries < queues.deliveryLimit()) {
                Duration pause = requeuePause(deliveries);
                LOG.warnf("Request not stored (delivery %d of %d), requeueing it in %s: %s", deliveries,
                        queues.deliveryLimit(), pause, e.toString());
                return Uni.createFrom().voidItem()
                        .onItem().delayIt().by(pause)
                        .chain(() -> Uni.createFrom().completionStage(
                                message.nack(e, Metadata.of(new RabbitMQRejectMetadata(true)))))
                        .subscribeAsCompletionStage();
            }
            result = lastDelivery(message.getPayload(), messageId, deliveries, e);
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

    /** The delivery limit is reached: record the message as rejected if the database lets us, then dead-letter it. */
    private JobIntake.Result lastDelivery(byte[] body, String messageId, int deliveries, RuntimeException error) {
        LOG.errorf("Request not stored after %d deliveries, dead-lettering it: %s", deliveries, error.toString());
        try {
            return intake.giveUp(body, messageId, deliveries, error);
        } catch (RuntimeException alsoFailed) {
            LOG.errorf("Request dead-lettered without a rejection record: %s", alsoFailed.toString());
            return new JobIntake.Result(JobIntake.Outcome.REJECTED, null, List.of());
        }
    }

    /** Quorum queues count earlier deliveries in {@code x-delivery-count}. */
    private static int earlierDeliveries(Optional<IncomingRabbitMQMetadata> rabbit) {
        return rabbit.flatMap(metadata -> metadata.getHeader("x-delivery-count", Number.class))
                .map(Number::intValue).orElse(0);
    }

    /** Doubles from the configured pause with each delivery, up to a minute, so an outage of minutes uses few deliveries. */
    private Duration requeuePause(int deliveries) {
        long millis = pipeline.requeueDelay().toMillis() << Math.min(deliveries - 1, 16);
        return Duration.ofMillis(Math.min(millis, MAX_REQUEUE_PAUSE.toMillis()));
    }
}
