package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.WaveSpeedConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

class TierLimitsTest {

    @Test
    void aWorkerWithoutTierSettingsKeepsToSilversPublishedLimits() {
        assertThat(TierLimits.resolve(config(Map.of()))).isEqualTo(new TierLimits(300, 500));
    }

    @Test
    void eachTierGivesWaveSpeedsPublishedConcurrencyAndRate() {
        assertThat(TierLimits.resolve(config(Map.of("wavespeed.tier", "bronze")))).isEqualTo(new TierLimits(2, 2));
        assertThat(TierLimits.resolve(config(Map.of("wavespeed.tier", "gold")))).isEqualTo(new TierLimits(3_000, 3_000));
        assertThat(TierLimits.resolve(config(Map.of("wavespeed.tier", "ultra")))).isEqualTo(new TierLimits(10_000, 5_000));
    }

    @Test
    void explicitNumbersOverrideTheTierOneByOne() {
        assertThat(TierLimits.resolve(config(Map.of("wavespeed.tier", "gold", "wavespeed.max-in-flight", "1000"))))
                .isEqualTo(new TierLimits(1_000, 3_000));
        assertThat(TierLimits.resolve(config(Map.of("wavespeed.tier", "gold", "wavespeed.images-per-minute", "60"))))
                .isEqualTo(new TierLimits(3_000, 60));
    }

    @Test
    void aLimitBelowOneIsRefusedNamingBothSettings() {
        assertThatThrownBy(() -> TierLimits.resolve(config(Map.of("wavespeed.max-in-flight", "0"))))
                .hasMessageContaining("WAVESPEED_MAX_IN_FLIGHT").hasMessageContaining("WAVESPEED_IMAGES_PER_MINUTE");
    }

    private static WaveSpeedConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withMapping(WaveSpeedConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()).withDefaultValues(values).build()
                .getConfigMapping(WaveSpeedConfig.class);
    }
}
