package io.enhance.worker.api;

import jakarta.ws.rs.core.Response;

import io.enhance.worker.batches.JobActionResult;

/** The HTTP status of an action on one job: done 200, under way 202, refused by the job's state 409, no such job 404. */
final class ActionResponses {

    private ActionResponses() {
    }

    static Response of(JobActionResult result) {
        Response.Status status = switch (result.result()) {
            case CANCELLED, RETRIED, ASSIGNED -> Response.Status.OK;
            case CANCELLING -> Response.Status.ACCEPTED;
            case DELIVERED_BEFORE_CANCEL, ALREADY_ENDED, REFUSED -> Response.Status.CONFLICT;
            case NOT_FOUND -> Response.Status.NOT_FOUND;
        };
        return Response.status(status).entity(result).build();
    }
}
