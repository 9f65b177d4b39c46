package io.enhance.worker.runtime;

import java.time.Duration;

import io.enhance.worker.config.PipelineConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The rhythm of a started worker, its pipeline on, built without an application around it. */
final class StartedRounds {

    private StartedRounds() {
    }

    static Rounds started() {
        Rounds rounds = new Rounds();
        rounds.started(null, new SmallRyeConfigBuilder().withMapping(PipelineConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()).build()
                .getConfigMapping(PipelineConfig.class));
        return rounds;
    }
}
