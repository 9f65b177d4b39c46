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

/**
 * The secret that signs webhooks: configured, or else asked of WaveSpeed (at start, and again until it
 * answers). A fetched secret is fetched again after repeated signature mismatches, in case it was rotated;
 * the one it replaces is still accepted for a grace period. A configured secret is never refetched.
 */
@ApplicationScoped
public class WebhookSecret {

    private static final Logger LOG = Logger.getLogger(WebhookSecret.class);
    /** Unsigned junk must not make the worker call WaveSpeed at will while the secret is unknown. */
    private static final Duration FETCH_AT_MOST_EVERY = Duration.ofSeconds(10);
    /** Mismatches before a refetch, so that one forged delivery alone never causes one. */
    static final int MISMATCHES_BEFORE_REFETCH = 3;

    private final WaveSpeedConfig config;
    private final WaveSpeedClient wavespeed;

    private volatile String secret;
    private volatile String previous;
    private volatile Instant previousUntil = Instant.MIN;
    private volatile Instant lastFetch = Instant.MIN;
    private int mismatches;

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

    /**
     * What is wrong with a delivery (see {@link WebhookSignatures#problem}), checked against the current
     * secret and, within its grace, the previous one; empty when it is genuine. A mismatch may refetch the
     * secret, and then the delivery is checked once more.
     */
    public Optional<String> problem(String id, String timestamp, String signature, byte[] body, Instant now) {
        Optional<String> problem = check(id, timestamp, signature, body, now);
        if (problem.filter(WebhookSignatures.MISMATCH::equals).isPresent() && refetchedAfterMismatch(now)) {
            return check(id, timestamp, signature, body, now);
        }
        return problem;
    }

    private Optional<String> check(String id, String timestamp, String signature, byte[] body, Instant now) {
        Optional<String> problem = WebhookSignatures.problem(secret, id, timestamp, signature, body, now);
        String replaced = previous;
        if (problem.isPresent() && replaced != null && now.isBefore(previousUntil)
                && WebhookSignatures.problem(replaced, id, timestamp, signature, body, now).isEmpty()) {
            return Optional.empty();
        }
        return problem;
    }

    /** Whether the secret was fetched again just now and has changed; at most once per refetch interval. */
    private synchronized boolean refetchedAfterMismatch(Instant now) {
        if (config.webhookSecret().isPresent() || ++mismatches < MISMATCHES_BEFORE_REFETCH
                || now.isBefore(lastFetch.plus(config.webhookSecretRefetchInterval()))) {
            return false;
        }
        mismatches = 0;
        lastFetch = now;
        Optional<String> fetched = wavespeed.webhookSecret().await().atMost(config.requestTimeout());
        if (fetched.isEmpty() || fetched.get().equals(secret)) {
            return false;
        }
        previous = secret;
        previousUntil = now.plus(config.webhookSecretGrace());
        secret = fetched.get();
        LOG.infof("The webhook secret was rotated at WaveSpeed; the previous one is accepted until %s", previousUntil);
        return true;
    }
}
