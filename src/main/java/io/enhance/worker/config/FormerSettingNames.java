package io.enhance.worker.config;

import java.util.Map;

import io.smallrye.config.FallbackConfigSourceInterceptor;

/**
 * Settings renamed so that "batch" means only the user's batch: the new name wins, and where it is not set
 * the former one (property or environment variable, e.g. {@code PIPELINE_BATCH_SIZE}) still sets the value.
 * Registered in {@code META-INF/services/io.smallrye.config.ConfigSourceInterceptor}.
 */
public class FormerSettingNames extends FallbackConfigSourceInterceptor {

    static final Map<String, String> FORMER_NAMES = Map.of(
            "pipeline.claim-size", "pipeline.batch-size",
            "pipeline.intake-group-size", "pipeline.intake-batch-size",
            "pipeline.intake-group-wait", "pipeline.intake-batch-wait",
            "retention.rows-per-purge", "retention.batch-size");

    public FormerSettingNames() {
        super(FORMER_NAMES);
    }
}
