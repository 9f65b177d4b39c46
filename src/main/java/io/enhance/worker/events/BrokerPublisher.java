package io.enhance.worker.events;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.context.ThreadContext;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.tracing.JobTraces;
import io.enhance.worker.tracing.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.smallrye.context.api.CurrentThreadContext;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;

/**
 * Publishes outbox events to the events exchange and waits for the broker's confirms. Each publish is a
 * span, a child of the event's trace context, and its own context goes out in the message's AMQP
 * {@code traceparent} and {@code tracestate} headers.
 */
@ApplicationScoped
public class BrokerPublisher {

    private static final Logger LOG = Logger.getLogger(BrokerPublisher.class);
    private static final int PERSISTENT = 2;

    private final MutinyEmitter<String> events;
    private final JobTraces traces;
    private final String exchange;

    BrokerPublisher(@Channel("job-events") MutinyEmitter<String> events, JobTraces traces, QueuesConfig queues) {
        this.events = events;
        this.traces = traces;
        this.exchange = queues.eventsExchange();
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
        Span span = traces.publish(new TraceContext(event.traceParent, event.traceState), exchange, event.routingKey,
                event.id.toString(), event.subject);
        TraceContext published = TraceContext.of(span);
        OutgoingRabbitMQMetadata.Builder metadata = OutgoingRabbitMQMetadata.builder();
        if (published.present()) {
            metadata.withHeader(TraceContext.TRACEPARENT, published.traceParent());
            if (published.traceState() != null) {
                metadata.withHeader(TraceContext.TRACESTATE, published.traceState());
            }
        }
        metadata.withRoutingKey(event.routingKey)
                .withMessageId(event.id.toString())
                .withContentType(JobEvents.CONTENT_TYPE)
                .withDeliveryMode(PERSISTENT)
                .withTimestamp(event.createdAt.atZone(ZoneOffset.UTC));
        return events.sendMessage(Message.of(event.payload).addMetadata(metadata.build()))
                .invoke(() -> JobTraces.endWith(span, "confirmed"))
                .replaceWith(true)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Event %s not confirmed by the broker, will retry: %s", event.id, failure.getMessage());
                    JobTraces.endFailed(span, "not_confirmed", failure);
                    return false;
                });
    }
}
