package io.enhance.worker.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

/**
 * A client of the worker, over the real local RabbitMQ: publishes requests with confirms and
 * listens to every outcome event on its own queue, as an independent consumer would. Every event is
 * checked against the AsyncAPI document ({@link AsyncApiContract}); a violation fails the test at the
 * next look at the events, or at the latest when the broker is closed.
 */
public final class TestBroker implements AutoCloseable {

    /** One received event: the CloudEvent and the AMQP properties and headers (as text) it came with. */
    public record ReceivedEvent(JsonNode event, String routingKey, String messageId, String contentType,
            java.time.Instant receivedAt, Map<String, String> headers) {
        public JsonNode data() {
            return event.get("data");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final Channel channel;
    /** Not a copy-on-write list: a benchmark receives tens of thousands of events. */
    private final Queue<ReceivedEvent> events = new ConcurrentLinkedQueue<>();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();

    private TestBroker(Connection connection, Channel channel) {
        this.connection = connection;
        this.channel = channel;
    }

    public static TestBroker listeningTo(String eventsExchange) {
        try {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost("127.0.0.1");
            Connection connection = factory.newConnection("enhance-worker tests");
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            channel.exchangeDeclare(eventsExchange, "topic", true);
            String queue = channel.queueDeclare().getQueue();
            // the worker's routing keys; a test's own outbox rows under other keys reach no test consumer
            for (String keys : List.of("job.#", "batch.#", "submissions.#")) {
                channel.queueBind(queue, eventsExchange, keys);
            }
            TestBroker broker = new TestBroker(connection, channel);
            channel.basicConsume(queue, true, (tag, delivery) -> broker.received(new ReceivedEvent(
                    JSON.readTree(delivery.getBody()), delivery.getEnvelope().getRoutingKey(),
                    delivery.getProperties().getMessageId(), delivery.getProperties().getContentType(),
                    java.time.Instant.now(), textOf(delivery.getProperties().getHeaders()))),
                    tag -> {
                    });
            return broker;
        } catch (Exception e) {
            throw new IllegalStateException("RabbitMQ at 127.0.0.1:5672 is needed for this test", e);
        }
    }

    private void received(ReceivedEvent event) {
        try {
            List<String> wrong = AsyncApiContract.document().violations(event.routingKey(), event.event());
            if (!wrong.isEmpty()) {
                violations.add(event.routingKey() + " " + event.event() + " breaks the AsyncAPI contract: " + wrong);
            }
        } catch (AssertionError | RuntimeException e) {
            // thrown out of this callback, it would close the channel and every later event would be lost
            violations.add(event.routingKey() + " " + event.event() + " cannot be checked: " + e);
        }
        events.add(event);
    }

    /** Fails with every event received so far that the AsyncAPI document does not allow. */
    public void assertEventsFollowTheContract() {
        if (!violations.isEmpty()) {
            throw new AssertionError(String.join("\n", violations));
        }
    }

    public void publish(String queue, byte[] body) {
        publish(queue, body, Map.of());
    }

    /** Publishes with these AMQP headers, as a sender passing on its trace context does. */
    public void publish(String queue, byte[] body, Map<String, Object> headers) {
        try {
            channel.basicPublish("", queue, new AMQP.BasicProperties.Builder()
                    .contentType("application/json").deliveryMode(2).headers(headers).build(), body);
            channel.waitForConfirmsOrDie(10_000);
        } catch (Exception e) {
            throw new IllegalStateException("publish to " + queue + " failed", e);
        }
    }

    /** Publishes every body as fast as the broker takes them, waiting for confirms once per batch of 500. */
    public void publishAll(String queue, List<byte[]> bodies) {
        try {
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .contentType("application/json").deliveryMode(2).build();
            for (int i = 0; i < bodies.size(); i++) {
                channel.basicPublish("", queue, properties, bodies.get(i));
                if (i % 500 == 499 || i == bodies.size() - 1) {
                    channel.waitForConfirmsOrDie(30_000);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("publish to " + queue + " failed", e);
        }
    }

    /** Removes queues left by an earlier run, so a test starts from nothing. */
    /** A durable queue of that name, for a consumer that does not declare its own. */
    public void declareQueue(String queue) throws IOException {
        channel.queueDeclare(queue, true, false, false, null);
    }

    public void deleteQueues(String... queues) throws IOException {
        for (String queue : queues) {
            channel.queueDelete(queue);
        }
    }

    /** AMQP string headers arrive as the client's LongString; their text is what a consumer reads. */
    private static Map<String, String> textOf(Map<String, Object> headers) {
        Map<String, String> text = new HashMap<>();
        if (headers != null) {
            headers.forEach((name, value) -> text.put(name, String.valueOf(value)));
        }
        return text;
    }

    public List<ReceivedEvent> events() {
        assertEventsFollowTheContract();
        return List.copyOf(events);
    }

    public List<ReceivedEvent> eventsFor(String jobId) {
        assertEventsFollowTheContract();
        return events.stream().filter(e -> jobId.equals(e.event().path("subject").asText())).toList();
    }

    /** Takes every message currently in {@code queue}. */
    public List<byte[]> drain(String queue) throws IOException {
        List<byte[]> bodies = new ArrayList<>();
        for (GetResponse response; (response = channel.basicGet(queue, true)) != null;) {
            bodies.add(response.getBody());
        }
        return bodies;
    }

    @Override
    public void close() throws Exception {
        connection.close();
        assertEventsFollowTheContract();
    }
}
