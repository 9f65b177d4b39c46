package io.enhance.worker.batches;

import java.util.Map;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** What an operator's action on a whole batch, or on all submissions, did. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchActionResult(String batchId, String action, Map<String, Long> jobs, String message) {
}
