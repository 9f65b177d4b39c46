package io.enhance.worker.api;

import java.util.Map;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

/** Every refusal of the API is a JSON body {@code {"error": "<reason>"}} the caller can act on. */
public class ApiErrors {

    /** A request the API refuses (bad parameter, bad body), with the reason. */
    public static final class BadRequest extends RuntimeException {

        public BadRequest(String reason) {
            super(reason, null, false, false);
        }
    }

    @ServerExceptionMapper
    public Response badRequest(BadRequest e) {
        return error(Response.Status.BAD_REQUEST, e.getMessage());
    }

    /** A body that is not JSON, or not of the expected shape. */
    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e) {
        return error(Response.Status.BAD_REQUEST, "body: not the JSON this endpoint expects: " + e.getOriginalMessage());
    }

    public static Response error(Response.Status status, String reason) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("error", reason)).build();
    }
}
