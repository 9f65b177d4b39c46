package io.enhance.worker.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobTransition;

/**
 * Where a job stands, for operators: {@code GET /api/jobs/{job_id}}, only with the bearer token
 * ({@link ApiTokenMechanism}).
 */
@Path("/api/jobs")
@RolesAllowed(ApiTokenIdentityProvider.ROLE)
public class JobsResource {

    @GET
    @Path("/{jobId: .+}")
    @Produces(MediaType.APPLICATION_JSON)
    @Transactional
    public Response job(@PathParam("jobId") String jobId) {
        return Job.findByJobId(jobId).map(job -> Response.ok(describe(job)).build())
                .orElseGet(() -> Response.status(Response.Status.NOT_FOUND).entity(Map.of("error", "no job " + jobId)).build());
    }

    private static Map<String, Object> describe(Job job) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("job_id", job.jobId);
        view.put("batch_id", job.batchId);
        view.put("status", job.status);
        view.put("prediction_id", job.predictionId);
        view.put("attempts", job.attempts);
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
}
