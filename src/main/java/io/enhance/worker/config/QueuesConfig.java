package io.enhance.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * RabbitMQ names and limits. The messaging channels in application.properties read these same
 * properties, so a name changed here changes the declared queues too.
 */
@ConfigMapping(prefix = "queues")
public interface QueuesConfig {

    /** Durable queue the job requests arrive on. */
    @WithDefault("enhance.requests")
    String requests();

    /** Queue that keeps every rejected request message as it arrived. */
    @WithDefault("enhance.requests.dlq")
    String deadLetter();

    /** Topic exchange the outcome events are published to. */
    @WithDefault("enhance.events")
    String eventsExchange();

    /** Unacknowledged request messages one worker holds at most (RabbitMQ prefetch); enough to fill intake group commits. */
    @WithDefault("500")
    int prefetch();

    /**
     * Deliveries of one request message before it is dead-lettered; a message that keeps failing
     * to be stored is recorded as rejected on its last delivery.
     */
    @WithDefault("20")
    int deliveryLimit();

    /** Largest request message accepted, in bytes; a larger one is rejected unread. */
    @WithDefault("262144")
    int maxMessageBytes();

    /** CloudEvents {@code source} attribute of every event this worker publishes. */
    @WithDefault("urn:enhance-worker")
    String eventSource();
}
