package io.enhance.worker.batches;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.jobs.JobStatus;

/** What an operator's action did to one job. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobActionResult(String jobId, Result result, JobStatus status, String message) {

    /** What an action did to one job. */
    public enum Result {
        CANCELLED,
        /** Already submitted upstream, where it cannot be cancelled: it runs to the end. */
        RUNS_TO_END,
        ALREADY_ENDED,
        RETRIED,
        /** A task that may have been its own was assigned to it by an operator. */
        ASSIGNED,
        REFUSED,
        NOT_FOUND
    }
}
