package io.enhance.worker.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.enhance.worker.intake.JobRequest;

/** The body that gives a batch a canary before its jobs arrive. */
public record CanaryRequest(
        @Schema(description = "its first jobs to submit, 1 to " + JobRequest.MAX_BATCH_SIZE
                + "; the rest waits for approve or reject", required = true) Integer canary) {

    /** The canary asked for; a missing or out-of-range one is refused. */
    int checkedCanary() {
        if (canary == null || canary < 1 || canary > JobRequest.MAX_BATCH_SIZE) {
            throw new ApiErrors.BadRequest("canary: must be a whole number from 1 to " + JobRequest.MAX_BATCH_SIZE);
        }
        return canary;
    }
}
