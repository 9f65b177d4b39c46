package io.enhance.worker.wavespeed;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.client.api.ClientMultipartForm;

import io.smallrye.mutiny.Uni;

/** The WaveSpeed v3 calls the worker makes, as raw responses: {@link WaveSpeedClient} reads and classifies them. */
@RegisterRestClient(configKey = "wavespeed")
@Path("/api/v3")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface WaveSpeedApi {

    /** @param model a path such as {@code wavespeed-ai/flux-1-srpo/image-to-image}, slashes kept */
    @POST
    @Path("/{model}")
    Uni<Response> submit(@PathParam("model") @Encoded String model, @QueryParam("webhook") String webhook,
            @HeaderParam("Authorization") String authorization, String body);

    @GET
    @Path("/predictions/{id}/result")
    Uni<Response> result(@PathParam("id") String predictionId, @HeaderParam("Authorization") String authorization);

    /** The prediction history: {@code {page, page_size, model, created_after, created_before}}. */
    @POST
    @Path("/predictions")
    Uni<Response> history(@HeaderParam("Authorization") String authorization, String query);

    /** Deletes the predictions named by {@code {"ids": [...]}}, stopping those still running; unknown ids are ignored. */
    @POST
    @Path("/predictions/delete")
    Uni<Response> delete(@HeaderParam("Authorization") String authorization, String ids);

    @POST
    @Path("/media/upload/binary")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    Uni<Response> upload(ClientMultipartForm file, @HeaderParam("Authorization") String authorization);

    @GET
    @Path("/balance")
    Uni<Response> balance(@HeaderParam("Authorization") String authorization);

    @GET
    @Path("/webhook/secret")
    Uni<Response> webhookSecret(@HeaderParam("Authorization") String authorization);
}
