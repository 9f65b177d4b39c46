package io.enhance.worker.config;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.FallbackConfigSourceInterceptor;

/**
 * Settings renamed so that "batch" means only the user's batch: where the new name is not set, the former
 * one (property or environment variable, e.g. {@code PIPELINE_BATCH_SIZE}) still sets the value. Registered
 * in {@code META-INF/services/io.smallrye.config.ConfigSourceInterceptor}.
 */
public class FormerSettingNames extends FallbackConfigSourceInterceptor {

    static final Map<String, String> FORMER_NAMES = Map.of(
            "pipeline.claim-size", "pipeline.batch-size",
            "pipeline.intake-group-size", "pipeline.intake-batch-size",
            "pipeline.intake-group-wait", "pipeline.intake-batch-wait",
            "retention.rows-per-purge", "retention.batch-size");

    private static final Map<String, String> NEW_NAMES = FORMER_NAMES.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));

    public FormerSettingNames() {
        super(FORMER_NAMES);
    }

    /**
     * A former name is listed as its new one: the config mappings fail on any listed name they do not map,
     * and the fallback's own listing adds every former name.
     */
    @Override
    public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
        Set<String> names = new LinkedHashSet<>();
        context.iterateNames().forEachRemaining(name -> names.add(NEW_NAMES.getOrDefault(name, name)));
        return names.iterator();
    }
}
