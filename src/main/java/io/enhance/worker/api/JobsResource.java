package io.enhance.worker.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.enhance.worker.batches.Cancellations;
import io.enhance.worker.batches.JobActionResult;
import io.enhance.worker.batches.Retries;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.submission.UndecidedSubmissions;

/**
 * Jobs for operators: list them, see where one stands and its images, cancel or retry it. Job ids may
 * hold {@code /}, so the id is everything up to the action ({@code POST /api/jobs/a/b/cancel} cancels job
 * {@code a/b}); the sub-paths win, so {@code GET /api/jobs/a/source} is the source of job {@code a}.
 */
@Path("/api/jobs")
@RolesAllowed(ApiTokenIdentityProvider.ROLE)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobsResource {

    /** Longer data URIs are summarised, not sent whole. */
    private static final int SOURCE_SHOWN_WHOLE = 200;

    private final JobQueries queries;
    private final Cancellations cancellations;
    private final Retries retries;
    private final JobImages images;
    private final DatabaseClock clock;
    private final UndecidedSubmissions undecided;
    private final JobStore store;

    JobsResource(JobQueries queries, Cancellations cancellations, Retries retries, JobImages images, DatabaseClock clock,
            UndecidedSubmissions undecided, JobStore store) {
        this.queries = queries;
        this.cancellations = cancellations;
        this.retries = retries;
        this.store = store;
        this.images = images;
        this.clock = clock;
        this.undecided = undecided;
    }

    @GET
    @Operation(summary = "List jobs, newest first",
            description = "Filters combine; created_after is inclusive, created_before exclusive."
                    + " Pass next_cursor as cursor for the next page.")
    @APIResponse(responseCode = "200", description = "a page of jobs",
            content = @Content(schema = @Schema(implementation = JobQueries.Page.class)))
    @APIResponse(responseCode = "400", description = "a bad parameter, named in error")
    public JobQueries.Page list(
            @Parameter(description = "comma-separated statuses, any case") @QueryParam("status") String status,
            @QueryParam("batch_id") String batchId,
            @QueryParam("error_code") String errorCode,
            @Parameter(description = "inclusive, ISO-8601 such as 2024-05-01T12:00:00Z",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("created_after") String createdAfter,
            @Parameter(description = "exclusive, ISO-8601 such as 2024-05-01T12:00:00Z",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("created_before") String createdBefore,
            @Parameter(description = "1 to 200", schema = @Schema(type = SchemaType.INTEGER, defaultValue = "50"))
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        var filter = new JobQueries.Filter(QueryParameters.statuses(status), batchId, errorCode,
                QueryParameters.instant("created_after", createdAfter),
                QueryParameters.instant("created_before", createdBefore));
        return queries.list(filter, cursor, QueryParameters.limit(limit));
    }

    @GET
    @Path("/{job_id: .+}")
    @Transactional
    @Operation(summary = "Where a job stands, with its transitions")
    @APIResponse(responseCode = "200", description = "the job")
    @APIResponse(responseCode = "404", description = "no such job")
    public Response job(@PathParam("job_id") String jobId) {
        return JobStore.findByJobId(jobId).map(job -> Response.ok(describe(job, clock.now())).build())
                .orElseGet(() -> ApiErrors.error(Response.Status.NOT_FOUND, "no job " + jobId));
    }

    @GET
    @Path("/{job_id: .+}/source")
    @Produces({ "image/*", MediaType.APPLICATION_JSON })
    @Operation(summary = "The job's source image",
            description = "Streamed from S3, decoded from a data URI, or fetched from an http(s) source by the worker under"
                    + " the rules of output downloads (no internal address unless PIPELINE_OUTPUT_PRIVATE_HOSTS allows it,"
                    + " the size cap, the download deadline, a JPEG or PNG only); never a redirect.")
    @APIResponse(responseCode = "200", description = "the image", content = @Content(mediaType = "image/*"))
    @APIResponse(responseCode = "403", description = "an http(s) source on an address the worker may not fetch from")
    @APIResponse(responseCode = "404", description = "no such job, or its source is not in S3")
    @APIResponse(responseCode = "502", description = "an http(s) source that did not answer with a JPEG or PNG in time")
    public Response source(@PathParam("job_id") String jobId) {
        return images.source(jobId);
    }

    @GET
    @Path("/{job_id: .+}/outputs/{index: \\d+}")
    @Produces({ "image/*", MediaType.APPLICATION_JSON })
    @Operation(summary = "One of the job's enhanced images, as stored in S3")
    @APIResponse(responseCode = "200", description = "the image", content = @Content(mediaType = "image/*"))
    @APIResponse(responseCode = "404", description = "no such job, or no such output")
    public Response output(@PathParam("job_id") String jobId,
            @Parameter(description = "0 for the first output") @PathParam("index") int index) {
        return images.output(jobId, index);
    }

    @POST
    @Path("/{job_id: .+}/cancel")
    @Operation(summary = "Cancel a job",
            description = "A job not yet submitted is cancelled at once (200). One whose task runs at WaveSpeed has the task"
                    + " deleted (202, CANCELLING): it ends CANCELLED with upstream_cancelled, or, if the task finished before"
                    + " its delete arrived, is delivered (DELIVERED_BEFORE_CANCEL). Cancel again to see how it ended.")
    @APIResponse(responseCode = "200", description = "cancelled",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "202", description = "its task is being deleted at WaveSpeed (CANCELLING)",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "409", description = "it has already ended, or its task finished before the cancel and is"
            + " delivered (DELIVERED_BEFORE_CANCEL)",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such job",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    public Response cancel(@PathParam("job_id") String jobId) {
        return ActionResponses.of(cancellations.cancelJob(jobId));
    }

    @POST
    @Path("/{job_id: .+}/retry")
    @Operation(summary = "Retry a failed job",
            description = "A job whose failure may have left a paid task behind, or whose outputs are gone (deleted by"
                    + " WaveSpeed after 7 days, or answered unavailable), is retried only with pay_again=true; so is one"
                    + " failed output_flagged, whose retry submits a new paid task.")
    @APIResponse(responseCode = "200", description = "retried",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "409", description = "refused: not failed, its batch is cancelled, or it would pay again",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such job",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    public Response retry(@PathParam("job_id") String jobId,
            @Parameter(description = "true to submit again even if that pays again") @QueryParam("pay_again") String payAgain) {
        boolean pays = QueryParameters.flag("pay_again", payAgain);
        return ActionResponses.of(retries.retryJobs(List.of(jobId), pays).get(0));
    }

    /** A task that may be an undecided job's, as the API shows it. */
    public record CandidateView(@JsonProperty("prediction_id") String predictionId,
            @JsonProperty("created_at") Instant createdAt, String status,
            @Schema(description = "how much its first output looks like the job's source, -1 to 1; null if unknown") Double likeness,
            @Schema(description = "paths of its kept outputs, to compare with the job's source") List<String> outputs) {
    }

    @GET
    @Path("/{job_id: .+}/candidates")
    @Operation(summary = "Tasks that may be an undecided job's",
            description = "For a job failed as submission_outcome_unknown: the unowned tasks created in its unanswered"
                    + " attempt's time that settlement could not tell apart, with their kept outputs.")
    @APIResponse(responseCode = "200", description = "the candidates, oldest first (empty for other jobs)")
    public List<CandidateView> candidates(@PathParam("job_id") String jobId) {
        return undecided.candidates(jobId).stream().map(candidate -> new CandidateView(candidate.predictionId,
                candidate.createdAt, candidate.status, candidate.likeness,
                IntStream.range(0, candidate.keptOutputs.size())
                        .mapToObj(index -> "/api/jobs/" + jobId + "/candidates/" + candidate.predictionId + "/" + index).toList()))
                .toList();
    }

    @GET
    @Path("/{job_id: .+}/candidates/{prediction_id: [A-Za-z0-9_-]+}/{index: \\d+}")
    @Produces({ "image/*", MediaType.APPLICATION_JSON })
    @Operation(summary = "A kept output of a candidate task")
    @APIResponse(responseCode = "200", description = "the image", content = @Content(mediaType = "image/*"))
    @APIResponse(responseCode = "404", description = "no such job, candidate or output")
    public Response candidateOutput(@PathParam("job_id") String jobId, @PathParam("prediction_id") String predictionId,
            @PathParam("index") int index) {
        return images.candidate(jobId, predictionId, index, undecided);
    }

    /** Which candidate task an operator assigns. */
    public record AssignRequest(@JsonProperty("prediction_id") String predictionId) {
    }

    @POST
    @Path("/{job_id: .+}/assign")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Assign a candidate task to an undecided job",
            description = "Delivers the kept outputs of one of the job's candidate tasks as its own; nothing is"
                    + " submitted or paid again. The job must have failed as submission_outcome_unknown.")
    @APIResponse(responseCode = "200", description = "assigned: the job is delivering",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "409", description = "refused: not undecided, not a candidate, or the task is owned",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such job",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "400", description = "no prediction_id")
    public Response assign(@PathParam("job_id") String jobId, AssignRequest request) {
        if (request == null || request.predictionId() == null || request.predictionId().isBlank()) {
            throw new ApiErrors.BadRequest("body: {\"prediction_id\": \"...\"} expected");
        }
        return ActionResponses.of(undecided.assign(jobId, request.predictionId()));
    }

    /** The results of a retry of several jobs, one per job, in the order asked. */
    public record RetryResults(List<JobActionResult> results) {
    }

    @POST
    @Path("/retry")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Retry chosen failed jobs", description = "One result per job, each as the single-job retry gives it.")
    @APIResponse(responseCode = "200", description = "a result per job",
            content = @Content(schema = @Schema(implementation = RetryResults.class)))
    @APIResponse(responseCode = "400", description = "no job_ids, or more than 500")
    public RetryResults retryMany(RetryRequest request) {
        if (request == null) {
            throw new ApiErrors.BadRequest("body: {\"job_ids\": [...], \"pay_again\": false} expected");
        }
        return new RetryResults(retries.retryJobs(request.checkedJobIds(), request.paysAgain()));
    }

    private Map<String, Object> describe(Job job, Instant now) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("job_id", job.jobId);
        view.put("batch_id", job.batchId);
        view.put("status", job.status);
        view.put("source", source(job.input.get("image")));
        view.put("prediction_id", job.predictionId);
        view.put("attempts", job.attempts);
        view.put("retries", job.retries);
        view.put("retry", job.status == JobStatus.FAILED ? job.retryKind(now).name().toLowerCase(Locale.ROOT) : null);
        view.put("polls", job.polls);
        view.put("spend_usd", job.spendUsd);
        view.put("cost_usd", job.costUsd);
        view.put("reused_from", job.reusedFrom);
        view.put("outputs", job.outputs);
        view.put("error", job.error().map(error -> Map.of("code", error.code(), "message", error.message())).orElse(null));
        view.put("cancel_requested_at", job.cancelRequestedAt);
        view.put("upstream_cancelled", job.upstreamCancelled);
        view.put("created_at", job.createdAt);
        view.put("finished_at", job.finishedAt);
        List<Map<String, Object>> transitions = store.transitionsOf(job).stream()
                .map(step -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("from", step.fromStatus);
                    entry.put("to", step.toStatus);
                    entry.put("at", step.at);
                    entry.put("detail", step.detail);
                    return entry;
                }).toList();
        view.put("transitions", transitions);
        return view;
    }

    /** The source image as stored, except a long data URI, which is only described. */
    static String source(Object image) {
        if (!(image instanceof String source)) {
            return null;
        }
        return source.startsWith("data:") && source.length() > SOURCE_SHOWN_WHOLE
                ? "(data URI, " + source.length() + " bytes)"
                : source;
    }
}
