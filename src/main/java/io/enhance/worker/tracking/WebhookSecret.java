package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.quarkus.runtime.StartupEvent;

/** The secret that signs webhooks: configured, or else asked of WaveSpeed (at start, and again until it answers). */
@ApplicationScoped
public class WebhookSecret {

    private static final Logger LOG = Logger.getLogger(WebhookSecret.class);

    private final WaveSpeedConfig config;
    private final WaveSpeedClient wavespeed;
    /** Unsigned junk must not make the worker call WaveSpeed at will while the secret is unknown. */
    private static final Duration FETCH_AT_MOST_EVERY = Duration.ofSeconds(10);

    private volatile String secret;
    private volatile Instant lastFetch = Instant.MIN;

    WebhookSecret(WaveSpeedConfig config, WaveSpeedClient wavespeed) {
        this.config = config;
        this.wavespeed = wavespeed;
        this.secret = config.webhookSecret().orElse(null);
    }

    void fetchAtStart(@Observes StartupEvent event) {
        if (config.webhookUrl().isPresent() && current().isEmpty()) {
            LOG.warn("WaveSpeed did not hand out the webhook secret; webhooks are refused with 503 until it does");
        }
    }

    public Optional<String> current() {
        if (secret == null && Instant.now().isAfter(lastFetch.plus(FETCH_AT_MOST_EVERY))) {
            lastFetch = Instant.now();
            secret = wavespeed.webhookSecret().await().atMost(config.requestTimeout()).orElse(null);
        }
        return Optional.ofNullable(secret);
    }
}
