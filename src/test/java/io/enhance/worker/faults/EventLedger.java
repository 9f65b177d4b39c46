package io.enhance.worker.faults;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

/**
 * An independent consumer of the outcome events: a durable queue bound to the events exchange,
 * declared before any worker runs, so that it keeps every event through broker connection losses,
 * and read only at the end.
 */
final class EventLedger {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String queue;

    private EventLedger(String queue) {
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
        return new EventLedger(queue);
    }

    /** Every event received so far, as CloudEvents; takes them off the queue. */
    List<JsonNode> drain() throws Exception {
        List<JsonNode> events = new ArrayList<>();
        try (Connection connection = factory().newConnection("fault-suite ledger"); Channel channel = connection.createChannel()) {
            for (GetResponse response; (response = channel.basicGet(queue, true)) != null;) {
                events.add(JSON.readTree(response.getBody()));
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
