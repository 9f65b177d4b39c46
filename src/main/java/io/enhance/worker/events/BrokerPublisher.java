package io.enhance.worker.events;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.context.ThreadContext;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.smallrye.context.api.CurrentThreadContext;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;

/** Publishes outbox events to the events exchange and waits for the broker's confirms. */
@ApplicationScoped
public class BrokerPublisher {

    private static final Logger LOG = Logger.getLogger(BrokerPublisher.class);
    private static final int PERSISTENT = 2;

    private final MutinyEmitter<String> events;

    BrokerPublisher(@Channel("job-events") MutinyEmitter<String> events) {
        this.events = events;
    }

    /**
     * Which of {@code batch} the broker confirmed within {@code timeout}. The caller's transaction is
     * not handed to the confirm callbacks: a callback thread still inside it when the caller commits
     * makes the commit fail, and the confirmed events would go out again.
     */
    @CurrentThreadContext(cleared = ThreadContext.TRANSACTION)
    public List<Boolean> publishAll(List<OutboxEvent> batch, Duration timeout) {
        return Uni.join().all(batch.stream().map(this::publish).toList()).andFailFast().await().atMost(timeout);
    }

    private Uni<Boolean> publish(OutboxEvent event) {
        OutgoingRabbitMQMetadata metadata = OutgoingRabbitMQMetadata.builder()
                .withRoutingKey(event.routingKey)
                .withMessageId(event.id.toString())
                .withContentType(JobEvents.CONTENT_TYPE)
                .withDeliveryMode(PERSISTENT)
                .withTimestamp(event.createdAt.atZone(ZoneOffset.UTC))
                .build();
        return events.sendMessage(Message.of(event.payload).addMetadata(metadata))
                .replaceWith(true)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Event %s not confirmed by the broker, will retry: %s", event.id, failure.getMessage());
                    return false;
                });
    }
}
