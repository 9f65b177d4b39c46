package io.enhance.worker.api;

import java.time.Instant;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.batches.BatchReports;
import io.enhance.worker.batches.BatchActionResult;
import io.enhance.worker.batches.BatchHolds;

/** Submissions to WaveSpeed for every batch at once: paused or not, for all workers. */
@Path("/api/submissions")
@RolesAllowed(ApiTokenIdentityProvider.ROLE)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "submissions")
public class SubmissionsResource {

    private final BatchReports reports;
    private final BatchHolds holds;

    SubmissionsResource(BatchReports reports, BatchHolds holds) {
        this.reports = reports;
        this.holds = holds;
    }

    /** Since when submissions are paused; null while they run. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SubmissionState(Instant pausedAt) {
    }

    @GET
    @Operation(summary = "Whether submissions are paused, and since when")
    public SubmissionState state() {
        return new SubmissionState(reports.totals().submissionsPausedAt());
    }

    @POST
    @Path("/pause")
    @Operation(summary = "Pause all submissions", description = "Queued jobs wait as PAUSED; jobs already submitted go on.")
    public BatchActionResult pause() {
        return holds.pauseAll();
    }

    @POST
    @Path("/resume")
    @Operation(summary = "Resume submissions", description = "Batches paused on their own stay paused.")
    public BatchActionResult resume() {
        return holds.resumeAll();
    }
}
