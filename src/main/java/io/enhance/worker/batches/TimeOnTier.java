package io.enhance.worker.batches;

import java.time.Duration;

/** How long the configured tier needs for a number of paid images; submission's {@code TierTime} knows. */
public interface TimeOnTier {

    Duration toFinish(long images);
}
