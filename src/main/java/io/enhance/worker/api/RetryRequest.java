package io.enhance.worker.api;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The body of a retry of chosen jobs. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RetryRequest(
        @Schema(description = "jobs to retry, 1 to " + RetryRequest.MAX_JOBS) List<String> jobIds,
        @Schema(description = "also retry jobs whose failure may have left a paid task behind, or whose outputs are"
                + " gone, paying again",
                defaultValue = "false") Boolean payAgain) {

    /** Jobs one call may retry. */
    public static final int MAX_JOBS = 500;

    /** The ids, each once, in the order given; a missing, empty or too long list is refused. */
    Set<String> checkedJobIds() {
        if (jobIds == null || jobIds.isEmpty() || jobIds.size() > MAX_JOBS) {
            throw new ApiErrors.BadRequest("job_ids: give 1 to " + MAX_JOBS + " job ids"
                    + (jobIds == null ? "" : ", not " + jobIds.size()));
        }
        if (jobIds.stream().anyMatch(id -> id == null || id.isBlank())) {
            throw new ApiErrors.BadRequest("job_ids: an id is empty");
        }
        return new LinkedHashSet<>(jobIds);
    }

    boolean paysAgain() {
        return Boolean.TRUE.equals(payAgain);
    }
}
