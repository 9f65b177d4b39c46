package io.enhance.worker.api;

import java.util.Map;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

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

    /** A body that is not JSON. */
    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e) {
        return error(Response.Status.BAD_REQUEST, "body: not the JSON this endpoint expects: " + e.getOriginalMessage());
    }

    /** A body of the wrong shape (a string where a list belongs), which the REST layer would answer without a reason. */
    @ServerExceptionMapper(priority = Priorities.USER - 1)
    public Response misshapenBody(MismatchedInputException e) {
        return unreadableBody(e);
    }

    /**
     * The REST layer's own refusals (a body that is not JSON, an unsupported media type, no such
     * route) come without a body: they get the reason too.
     */
    @ServerExceptionMapper
    public Response refusedByTheRestLayer(WebApplicationException e) {
        Response response = e.getResponse();
        if (response.hasEntity() || response.getStatus() < 400 || response.getStatus() >= 500) {
            return response;
        }
        String reason = e.getCause() instanceof JsonProcessingException json
                ? "body: not valid JSON: " + json.getOriginalMessage()
                : response.getStatusInfo().getReasonPhrase().toLowerCase(java.util.Locale.ROOT);
        return Response.fromResponse(response).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("error", reason)).build();
    }

    public static Response error(Response.Status status, String reason) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("error", reason)).build();
    }
}
