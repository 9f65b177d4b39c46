package io.enhance.worker.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import io.enhance.worker.config.QueuesConfig;

/**
 * Publishes job requests to the request queue as any client would: persistent, each chunk confirmed by
 * the broker within a deadline. It reads the messaging connector's own RabbitMQ settings.
 */
@ApplicationScoped
public class RequestPublisher {

    private static final int CHUNK = 500;
    private static final Duration CONFIRM_DEADLINE = Duration.ofSeconds(30);
    private static final Duration QUEUE_DEADLINE = Duration.ofSeconds(30);
    private static final Duration QUEUE_RECHECK = Duration.ofMillis(250);

    private final QueuesConfig queues;
    private final ObjectMapper json;
    private final ConnectionFactory factory = new ConnectionFactory();

    RequestPublisher(QueuesConfig queues, ObjectMapper json,
            @ConfigProperty(name = "rabbitmq-host", defaultValue = "localhost") String host,
            @ConfigProperty(name = "rabbitmq-port", defaultValue = "5672") int port,
            @ConfigProperty(name = "rabbitmq-username", defaultValue = "guest") String username,
            @ConfigProperty(name = "rabbitmq-password", defaultValue = "guest") String password) {
        this.queues = queues;
        this.json = json;
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(username);
        factory.setPassword(password);
    }

    public String queue() {
        return queues.requests();
    }

    public void publish(List<Map<String, Object>> requests) throws Exception {
        try (Connection connection = factory.newConnection("enhance-worker submit")) {
            awaitQueue(connection);
            send(connection, requests);
        }
    }

    /** A worker declares the queue as it starts, possibly just after this command's in-process worker started. */
    private void awaitQueue(Connection connection) throws Exception {
        long deadline = System.nanoTime() + QUEUE_DEADLINE.toNanos();
        while (true) {
            try (Channel channel = connection.createChannel()) {
                channel.queueDeclarePassive(queues.requests());
                return;
            } catch (IOException absent) { // the broker closes the channel with 404
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("queue " + queues.requests() + " does not exist after " + QUEUE_DEADLINE
                            + "; start a worker once so that it declares it");
                }
                Thread.sleep(QUEUE_RECHECK.toMillis());
            }
        }
    }

    private void send(Connection connection, List<Map<String, Object>> requests) throws Exception {
        try (Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            // mandatory: the broker returns a message no queue takes (the worker declares the queue when it starts)
            AtomicInteger unroutable = new AtomicInteger();
            channel.addReturnListener(returned -> unroutable.incrementAndGet());
            int unconfirmed = 0;
            for (Map<String, Object> request : requests) {
                // a message id of its own, so that a request rejected again on a later run is recorded again
                channel.basicPublish("", queues.requests(), true, new AMQP.BasicProperties.Builder()
                        .contentType("application/json").deliveryMode(2).messageId(UUID.randomUUID().toString()).build(),
                        json.writeValueAsBytes(request));
                if (++unconfirmed == CHUNK) {
                    channel.waitForConfirmsOrDie(CONFIRM_DEADLINE.toMillis());
                    unconfirmed = 0;
                }
            }
            channel.waitForConfirmsOrDie(CONFIRM_DEADLINE.toMillis());
            if (unroutable.get() > 0) {
                throw new IllegalStateException(unroutable.get() + " requests not taken: queue " + queues.requests()
                        + " does not exist; start a worker once so that it declares it");
            }
        }
    }
}
