package io.enhance.worker.tracking;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.submission.WebhookTags;

/**
 * Where WaveSpeed reports finished predictions. The only unauthenticated entry point: it trusts
 * nothing but a valid, fresh, never-seen signature, stores the delivery and answers at once;
 * {@link ApplyWebhookDeliveries} applies it.
 */
@Path("/webhooks/wavespeed")
@PermitAll
public class WebhookResource {

    private static final Logger LOG = Logger.getLogger(WebhookResource.class);

    private final WebhookSecret secret;
    private final ApplyWebhookDeliveries deliveries;
    private final ObjectMapper json;
    private final WebhookTags tags;

    WebhookResource(WebhookSecret secret, ApplyWebhookDeliveries deliveries, ObjectMapper json, WebhookTags tags) {
        this.secret = secret;
        this.deliveries = deliveries;
        this.json = json;
        this.tags = tags;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("webhook-id") String id, @HeaderParam("webhook-timestamp") String timestamp,
            @HeaderParam("webhook-signature") String signature, @QueryParam("job") String taggedJob,
            @QueryParam("attempt") String taggedAttempt, @QueryParam("tag") String tag, byte[] body) {
        if (secret.current().isEmpty()) {
            return answer(Response.Status.SERVICE_UNAVAILABLE, "webhook secret not known yet");
        }
        Optional<String> problem = secret.problem(id, timestamp, signature, body, Instant.now());
        if (problem.isPresent()) {
            LOG.warnf("Refused a webhook delivery: %s", problem.get());
            return answer(Response.Status.UNAUTHORIZED, problem.get());
        }
        String predictionId;
        try {
            predictionId = json.readTree(body).path("id").asText("");
        } catch (IOException e) {
            predictionId = "";
        }
        if (predictionId.isEmpty()) {
            return answer(Response.Status.BAD_REQUEST, "body is not a prediction with an id");
        }
        Optional<WebhookTags.Tag> attempt;
        try {
            attempt = tags.verify(taggedJob, taggedAttempt, tag);
        } catch (IllegalArgumentException unmatched) {
            // signed by WaveSpeed, so genuine: a prediction the worker knows needs no tag to find its job
            if (!deliveries.knows(predictionId)) {
                LOG.warnf("Refused a webhook delivery: %s", unmatched.getMessage());
                return answer(Response.Status.UNAUTHORIZED, unmatched.getMessage());
            }
            attempt = Optional.empty();
        }
        if (!deliveries.receive(id, Long.parseLong(timestamp.trim()), predictionId,
                new String(body, StandardCharsets.UTF_8), attempt)) {
            LOG.warnf("Refused a replayed webhook delivery %s", id);
            return answer(Response.Status.UNAUTHORIZED, "delivery already received (replay)");
        }
        return answer(Response.Status.OK, null);
    }

    private static Response answer(Response.Status status, String error) {
        Map<String, Object> body = error == null ? Map.of("received", true) : Map.of("error", error);
        return Response.status(status).entity(body).build();
    }
}
