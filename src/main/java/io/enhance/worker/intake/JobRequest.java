package io.enhance.worker.intake;

import java.util.Map;

/** A request that passed validation, with the model's defaults filled in. */
public record JobRequest(String jobId, String batchId, Map<String, Object> input, String outputBucket,
        String outputKeyPrefix, Map<String, String> metadata) {
}
