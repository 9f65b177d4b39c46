package io.enhance.worker.faults;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import io.enhance.worker.testing.TestBroker;

/**
 * An independent consumer of the outcome events: a durable queue bound to the events exchange,
 * declared before any worker runs, so that it keeps every event through broker connection losses,
 * and read only at the end.
 */
final class EventLedger {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String exchange;
    private final String queue;

    private EventLedger(String exchange, String queue) {
        this.exchange = exchange;
        this.queue = queue;
    }

    static EventLedger bindTo(String exchange) throws Exception {
        String queue = exchange + ".ledger";
        try (Connection connection = factory().newConnection("fault-suite ledger"); Channel channel = connection.createChannel()) {
            channel.exchangeDeclare(exchange, "topic", true);
            channel.queueDelete(queue);
            channel.queueDeclare(queue, true, false, false, null);
            channel.queueBind(queue, exchange, "job.#");
        }
        return new EventLedger(exchange, queue);
    }

    /** Every event received so far, as CloudEvents; takes them off the queue. */
    List<JsonNode> drain() throws Exception {
        List<JsonNode> events = new ArrayList<>();
        try (TestBroker broker = TestBroker.listeningTo(exchange)) {
            for (byte[] body : broker.drain(queue)) {
                events.add(JSON.readTree(body));
            }
        }
        return events;
    }

    private static ConnectionFactory factory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        return factory;
    }
}
