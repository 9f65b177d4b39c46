package io.enhance.worker.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.enhance.worker.batches.OperatorActions;
import io.enhance.worker.batches.OperatorActions.JobActionResult;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;

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
    private final OperatorActions actions;
    private final JobImages images;

    JobsResource(JobQueries queries, OperatorActions actions, JobImages images) {
        this.queries = queries;
        this.actions = actions;
        this.images = images;
    }

    @GET
    @Operation(summary = "List jobs, newest first",
            description = "Filters combine; created_after is inclusive, created_before exclusive. Pass next_cursor as cursor for the next page.")
    @APIResponse(responseCode = "200", description = "a page of jobs",
            content = @Content(schema = @Schema(implementation = JobQueries.Page.class)))
    @APIResponse(responseCode = "400", description = "a bad parameter, named in error")
    public JobQueries.Page list(
            @Parameter(description = "comma-separated statuses, any case") @QueryParam("status") String status,
            @QueryParam("batch_id") String batchId,
            @QueryParam("error_code") String errorCode,
            @Parameter(description = "ISO-8601, e.g. 2024-05-01T12:00:00Z") @QueryParam("created_after") String createdAfter,
            @Parameter(description = "ISO-8601, e.g. 2024-05-01T12:00:00Z") @QueryParam("created_before") String createdBefore,
            @Parameter(description = "1 to 200, default 50") @QueryParam("limit") String limit,
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
        return Job.findByJobId(jobId).map(job -> Response.ok(describe(job)).build())
                .orElseGet(() -> ApiErrors.error(Response.Status.NOT_FOUND, "no job " + jobId));
    }

    @GET
    @Path("/{job_id: .+}/source")
    @Produces({ "image/*", MediaType.APPLICATION_JSON })
    @Operation(summary = "The job's source image",
            description = "Streamed from S3, decoded from a data URI, or a redirect (302) to an http(s) source.")
    @APIResponse(responseCode = "200", description = "the image", content = @Content(mediaType = "image/*"))
    @APIResponse(responseCode = "302", description = "the source is an http(s) URL: go there")
    @APIResponse(responseCode = "404", description = "no such job, or its source is not in S3")
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
    @Operation(summary = "Cancel a job not yet submitted",
            description = "A job already submitted to WaveSpeed cannot be cancelled there: it runs to the end (409).")
    @APIResponse(responseCode = "200", description = "cancelled",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "409", description = "it runs to the end, or has already ended",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such job",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    public Response cancel(@PathParam("job_id") String jobId) {
        return ActionResponses.of(actions.cancelJob(jobId));
    }

    @POST
    @Path("/{job_id: .+}/retry")
    @Operation(summary = "Retry a failed job",
            description = "A job whose failure may have left a paid task behind is retried only with pay_again=true.")
    @APIResponse(responseCode = "200", description = "retried",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "409", description = "refused: not failed, its batch is cancelled, or it would pay again",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    @APIResponse(responseCode = "404", description = "no such job",
            content = @Content(schema = @Schema(implementation = JobActionResult.class)))
    public Response retry(@PathParam("job_id") String jobId,
            @Parameter(description = "true to submit again even if that pays again") @QueryParam("pay_again") String payAgain) {
        boolean pays = QueryParameters.flag("pay_again", payAgain);
        return ActionResponses.of(actions.retryJobs(List.of(jobId), pays).get(0));
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
        return new RetryResults(actions.retryJobs(request.checkedJobIds(), request.paysAgain()));
    }

    private static Map<String, Object> describe(Job job) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("job_id", job.jobId);
        view.put("batch_id", job.batchId);
        view.put("status", job.status);
        view.put("source", source(job.input.get("image")));
        view.put("prediction_id", job.predictionId);
        view.put("attempts", job.attempts);
        view.put("retries", job.retries);
        view.put("retry", job.status == JobStatus.FAILED ? job.retryKind().name().toLowerCase(Locale.ROOT) : null);
        view.put("polls", job.polls);
        view.put("spend_usd", job.spendUsd);
        view.put("cost_usd", job.costUsd);
        view.put("outputs", job.outputs);
        view.put("error", job.error().map(error -> Map.of("code", error.code(), "message", error.message())).orElse(null));
        view.put("created_at", job.createdAt);
        view.put("finished_at", job.finishedAt);
        List<Map<String, Object>> transitions = JobTransition.<JobTransition> list("job = ?1 order by id", job.id).stream()
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
