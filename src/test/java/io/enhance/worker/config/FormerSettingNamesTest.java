package io.enhance.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A setting renamed so that "batch" means only the user's batch still takes its value from its former name. */
class FormerSettingNamesTest {

    @Test
    void theFormerEnvironmentVariablesStillSetTheRenamedSettings() {
        SmallRyeConfig config = configWith(new EnvConfigSource(Map.of(
                "PIPELINE_BATCH_SIZE", "37",
                "PIPELINE_INTAKE_BATCH_SIZE", "41",
                "PIPELINE_INTAKE_BATCH_WAIT", "9ms",
                "RETENTION_BATCH_SIZE", "43"), 300));

        PipelineConfig pipeline = config.getConfigMapping(PipelineConfig.class);
        assertThat(pipeline.claimSize()).isEqualTo(37);
        assertThat(pipeline.intakeGroupSize()).isEqualTo(41);
        assertThat(pipeline.intakeGroupWait()).isEqualTo(Duration.ofMillis(9));
        assertThat(config.getConfigMapping(RetentionConfig.class).rowsPerPurge()).isEqualTo(43);
    }

    @Test
    void theFormerPropertyStillSetsTheClaimSize() {
        SmallRyeConfig config = configWith(new PropertiesConfigSource(Map.of("pipeline.batch-size", "37"), "test", 250));

        assertThat(config.getConfigMapping(PipelineConfig.class).claimSize()).isEqualTo(37);
    }

    @Test
    void theNewNameWinsOverTheFormerOne() {
        SmallRyeConfig config = configWith(new EnvConfigSource(Map.of(
                "PIPELINE_BATCH_SIZE", "37", "PIPELINE_CLAIM_SIZE", "53"), 300));

        assertThat(config.getConfigMapping(PipelineConfig.class).claimSize()).isEqualTo(53);
    }

    @Test
    void withNeitherNameSetTheDefaultHolds() {
        SmallRyeConfig config = configWith(new EnvConfigSource(Map.of(), 300));

        assertThat(config.getConfigMapping(PipelineConfig.class).claimSize()).isEqualTo(100);
    }

    /** The interceptor comes in as the worker's does: discovered through its service registration. */
    private static SmallRyeConfig configWith(org.eclipse.microprofile.config.spi.ConfigSource source) {
        return new SmallRyeConfigBuilder()
                .addDiscoveredInterceptors()
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus's "1s" form
                .withSources(source)
                .withMapping(PipelineConfig.class)
                .withMapping(RetentionConfig.class)
                .withValidateUnknown(true) // as Quarkus does: a former name must not count as an unknown setting
                .build();
    }
}
