package io.enhance.worker.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.batches.BatchReports;
import io.enhance.worker.batches.BatchSummary;
import io.enhance.worker.batches.BatchActionResult;
import io.enhance.worker.batches.BatchManifest;
import io.enhance.worker.batches.BatchHolds;
import io.enhance.worker.batches.Canaries;
import io.enhance.worker.batches.Cancellations;
import io.enhance.worker.batches.JobActionResult;
import io.enhance.worker.batches.Retries;

/**
 * Batches for operators: where each stands (from the counters), and cancel, pause, resume or retry
 * one; give one a canary, and approve or reject the rest once it has ended. Batch ids may hold {@code /}, like job ids.
 */
@Path("/api/batches")
@RolesAllowed(ApiTokenIdentityProvider.ROLE)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "batches")
public class BatchesResource {

    private final BatchReports reports;
    private final Cancellations cancellations;
    private final BatchHolds holds;
    private final Retries retries;
    private final JobQueries queries;
    private final ObjectMapper json;
    private final Canaries canaries;
    private final BatchManifest manifest;

    BatchesResource(BatchReports reports, Cancellations cancellations, BatchHolds holds, Retries retries,
            JobQueries queries, ObjectMapper json, Canaries canaries, BatchManifest manifest) {
        this.canaries = canaries;
        this.manifest = manifest;
        this.reports = reports;
        this.cancellations = cancellations;
        this.holds = holds;
        this.retries = retries;
        this.queries = queries;
        this.json = json;
    }

    @GET
    @Operation(summary = "List batches, newest first", description = "Pass next_cursor as cursor for the next page.")
    @APIResponse(responseCode = "200", description = "a page of batches",
            content = @Content(schema = @Schema(implementation = BatchReports.Page.class)))
    @APIResponse(responseCode = "400", description = "a bad parameter, named in error")
    public BatchReports.Page list(
            @Parameter(description = "1 to 200", schema = @Schema(type = SchemaType.INTEGER, defaultValue = "50"))
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        int size = QueryParameters.limit(limit);
        try {
            return reports.list(cursor, size);
        } catch (IllegalArgumentException e) {
            throw new ApiErrors.BadRequest(e.getMessage());
        }
    }

    @GET
    @Path("/{batch_id: .+}")
    @Operation(summary = "Where a batch stands: counts, failures, spend, rate and ETA")
    @APIResponse(responseCode = "200", description = "the batch",
            content = @Content(schema = @Schema(implementation = BatchSummary.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response batch(@PathParam("batch_id") String batchId) {
        return found(batchId, reports.batch(batchId));
    }

    @GET
    @Path("/{batch_id: .+}/manifest")
    @Produces({ "text/csv", "application/x-ndjson", "application/jsonl" })
    @Operation(summary = "A batch's manifest: one row per job, streamed",
            description = "By Accept: text/csv (also without Accept or with */*) or application/x-ndjson"
                    + " (application/jsonl names it too). job_id, status, source (input.image without its query string),"
                    + " the outputs (bucket, key, sha256, size, width, height, has_nsfw_contents; in CSV output 0 in"
                    + " columns and all of them as a JSON array in outputs), cost_usd, error_code, error_message,"
                    + " created_at, submitted_at and finished_at.")
    @APIResponse(responseCode = "200", description = "the manifest, one line per job",
            content = { @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING)),
                    @Content(mediaType = "application/x-ndjson", schema = @Schema(type = SchemaType.STRING)) })
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response manifest(@PathParam("batch_id") String batchId, @Context HttpHeaders headers) {
        if (reports.batch(batchId).isEmpty()) {
            return notFound(batchId);
        }
        BatchManifest.Format format = headers.getAcceptableMediaTypes().stream()
                .map(type -> BatchManifest.Format.named(type.getType() + "/" + type.getSubtype()))
                .flatMap(Optional::stream).findFirst().orElse(BatchManifest.Format.CSV);
        StreamingOutput rows = out -> manifest.writeAlone(batchId, format, out);
        return Response.ok(rows, format.mediaType + "; charset=utf-8").build();
    }

    @POST
    @Path("/{batch_id: .+}/cancel")
    @Operation(summary = "Cancel a batch", description = "Its jobs not yet submitted, and any that arrive later, are cancelled;"
            + " the running tasks of those already submitted are deleted at WaveSpeed, a bounded number at a bounded pace"
            + " (WAVESPEED_CANCEL_BATCH_SIZE, WAVESPEED_CANCEL_INTERVAL), and tasks that finished first are delivered."
            + " jobs counts cancelled, upstream_cancelled, cancelling and delivered_before_cancel; call again to follow them.")
    @APIResponse(responseCode = "200", description = "what was done so far",
            content = @Content(schema = @Schema(implementation = BatchActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response cancel(@PathParam("batch_id") String batchId) {
        return found(batchId, cancellations.cancelBatch(batchId));
    }

    @POST
    @Path("/{batch_id: .+}/pause")
    @Operation(summary = "Pause a batch's submissions", description = "Jobs already submitted go on.")
    @APIResponse(responseCode = "200", description = "what was done",
            content = @Content(schema = @Schema(implementation = BatchActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response pause(@PathParam("batch_id") String batchId) {
        return found(batchId, holds.pauseBatch(batchId));
    }

    @POST
    @Path("/{batch_id: .+}/resume")
    @Operation(summary = "Resume a batch's submissions")
    @APIResponse(responseCode = "200", description = "what was done",
            content = @Content(schema = @Schema(implementation = BatchActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response resume(@PathParam("batch_id") String batchId) {
        return found(batchId, holds.resumeBatch(batchId));
    }

    @GET
    @Path("/{batch_id: .+}/canary")
    @Operation(summary = "A batch's canary: its jobs in arrival order, with their outputs once they have them",
            description = "Empty while none of them has been released, or when the batch has no canary. Their before/after"
                    + " images are GET /api/jobs/{job_id}/source and /outputs/{index}.")
    @APIResponse(responseCode = "200", description = "the canary's jobs",
            content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = Canaries.CanaryJob.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response canaryJobs(@PathParam("batch_id") String batchId) {
        return found(batchId, reports.batch(batchId).map(batch -> canaries.canaryOf(batchId)));
    }

    @PUT
    @Path("/{batch_id: .+}/canary")
    @Operation(summary = "Give a batch a canary before its jobs arrive",
            description = "Its first jobs (in arrival order) are submitted; the rest waits as AWAITING_APPROVAL until"
                    + " approve or reject. The same as the canary field of its first request; giving the same canary"
                    + " again changes nothing.")
    @RequestBody(required = true,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CanaryRequest.class)))
    @APIResponse(responseCode = "200", description = "the canary set",
            content = @Content(schema = @Schema(implementation = BatchActionResult.class)))
    @APIResponse(responseCode = "400", description = "a missing or out-of-range canary")
    @APIResponse(responseCode = "409", description = "the batch has a different canary, or jobs already")
    public Response canary(@PathParam("batch_id") String batchId, String body) throws JsonProcessingException {
        CanaryRequest request = body == null || body.isBlank() ? new CanaryRequest(null)
                : json.readValue(body, CanaryRequest.class);
        int jobs = request.checkedCanary();
        return decided(() -> Optional.of(canaries.setCanary(batchId, jobs)), batchId);
    }

    @POST
    @Path("/{batch_id: .+}/approve")
    @Operation(summary = "Approve a batch's canary", description = "Its jobs awaiting approval, and any that arrive"
            + " later, are queued and submitted as usual.")
    @APIResponse(responseCode = "200", description = "what was done",
            content = @Content(schema = @Schema(implementation = BatchActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    @APIResponse(responseCode = "409", description = "the batch has no canary, or it was rejected")
    public Response approve(@PathParam("batch_id") String batchId) {
        return decided(() -> canaries.approve(batchId), batchId);
    }

    @POST
    @Path("/{batch_id: .+}/reject")
    @Operation(summary = "Reject a batch's canary", description = "Its jobs not yet submitted, and any that arrive later,"
            + " are cancelled: nothing more is paid.")
    @APIResponse(responseCode = "200", description = "what was done",
            content = @Content(schema = @Schema(implementation = BatchActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such batch")
    @APIResponse(responseCode = "409", description = "the batch has no canary, or it was approved")
    public Response reject(@PathParam("batch_id") String batchId) {
        return decided(() -> canaries.reject(batchId), batchId);
    }

    private static Response decided(Supplier<Optional<BatchActionResult>> decision, String batchId) {
        try {
            return found(batchId, decision.get());
        } catch (Canaries.Refused e) {
            return ApiErrors.error(Response.Status.CONFLICT, e.getMessage());
        }
    }

    /** The results of a retry of chosen jobs of a batch. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BatchRetryResults(String batchId, List<JobActionResult> results) {
    }

    @POST
    @Path("/{batch_id: .+}/retry")
    @Operation(summary = "Retry a batch's failed jobs",
            description = "Without job_ids every failed job of the batch (answer: the counts); with them only those"
                    + " (answer: a result per job; ids not in the batch are refused). Jobs whose failure may have left a"
                    + " paid task behind, or whose outputs are gone, are retried only with pay_again.")
    @RequestBody(required = false,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RetryRequest.class)))
    @APIResponse(responseCode = "200", description = "counts without job_ids, a result per job with them",
            content = @Content(schema = @Schema(oneOf = { BatchActionResult.class, BatchRetryResults.class })))
    @APIResponse(responseCode = "400", description = "more than 500 job_ids")
    @APIResponse(responseCode = "404", description = "no such batch")
    public Response retry(@PathParam("batch_id") String batchId, String body) throws JsonProcessingException {
        // read here rather than by the REST layer, which would refuse a call without a body (415)
        RetryRequest request = body == null || body.isBlank() ? null : json.readValue(body, RetryRequest.class);
        if (request == null || request.jobIds() == null) {
            return found(batchId, retries.retryBatch(batchId, request != null && request.paysAgain()));
        }
        Set<String> chosen = request.checkedJobIds();
        if (reports.batch(batchId).isEmpty()) {
            return notFound(batchId);
        }
        Set<String> members = queries.inBatch(batchId, chosen);
        Map<String, JobActionResult> retried = retries.retryJobs(chosen.stream().filter(members::contains).toList(),
                request.paysAgain()).stream().collect(Collectors.toMap(JobActionResult::jobId, result -> result));
        List<JobActionResult> results = chosen.stream().map(id -> members.contains(id) ? retried.get(id)
                : new JobActionResult(id, JobActionResult.Result.REFUSED, null, "not a job of batch " + batchId)).toList();
        return Response.ok(new BatchRetryResults(batchId, results)).build();
    }

    private static Response found(String batchId, Optional<?> answer) {
        return answer.map(found -> Response.ok(found).build()).orElseGet(() -> notFound(batchId));
    }

    private static Response notFound(String batchId) {
        return ApiErrors.error(Response.Status.NOT_FOUND, "no batch " + batchId);
    }
}
