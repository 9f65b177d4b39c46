package io.enhance.worker.submission;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * The WaveSpeed limits all workers sharing the database keep to together: predictions in flight and
 * submissions per minute. The account level's published limits, unless set explicitly.
 */
public record TierLimits(int concurrency, int imagesPerMinute) {

    public TierLimits {
        if (concurrency < 1 || imagesPerMinute < 1) {
            throw new IllegalArgumentException("WAVESPEED_MAX_IN_FLIGHT and WAVESPEED_IMAGES_PER_MINUTE must be at least 1, not "
                    + concurrency + " and " + imagesPerMinute);
        }
    }

    /** WaveSpeed's limits by account level. */
    static TierLimits of(WaveSpeedConfig.Tier tier) {
        return switch (tier) {
            case BRONZE -> new TierLimits(2, 2);
            case SILVER -> new TierLimits(300, 500);
            case GOLD -> new TierLimits(3_000, 3_000);
            case ULTRA -> new TierLimits(10_000, 5_000);
        };
    }

    /** The tier's limits, with {@code WAVESPEED_MAX_IN_FLIGHT} and {@code WAVESPEED_IMAGES_PER_MINUTE} taking precedence. */
    static TierLimits resolve(WaveSpeedConfig config) {
        TierLimits tier = of(config.tier());
        return new TierLimits(config.maxInFlight().orElse(tier.concurrency()),
                config.imagesPerMinute().orElse(tier.imagesPerMinute()));
    }

    /** Resolves the limits once, and refuses to start on nonsense. */
    @Singleton
    static class Resolved {

        private static final Logger LOG = Logger.getLogger(TierLimits.class);

        @Produces
        @Singleton
        TierLimits limits(WaveSpeedConfig config) {
            return resolve(config);
        }

        void logAtStart(@Observes StartupEvent event, TierLimits limits, WaveSpeedConfig config) {
            LOG.infof("WaveSpeed tier %s: at most %d predictions in flight and %d submissions a minute, across all workers",
                    config.tier().name().toLowerCase(java.util.Locale.ROOT), limits.concurrency(), limits.imagesPerMinute());
        }
    }
}
