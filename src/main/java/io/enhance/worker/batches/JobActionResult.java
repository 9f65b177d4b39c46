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
        /** Its task is being deleted upstream (or will be, once its unanswered submission shows it): cancel again for the end. */
        CANCELLING,
        /** Its task had finished before the cancel or its delete arrived: paid for, so its outputs are delivered. */
        DELIVERED_BEFORE_CANCEL,
        ALREADY_ENDED,
        RETRIED,
        /** A task that may have been its own was assigned to it by an operator. */
        ASSIGNED,
        REFUSED,
        NOT_FOUND
    }
}
