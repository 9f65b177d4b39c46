package io.enhance.worker.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import io.enhance.worker.jobs.JobStatus;

/**
 * Query parameters read as strings and checked here, so that a bad value is a 400 naming the
 * parameter (JAX-RS would answer 404 to a query parameter it cannot convert).
 */
final class QueryParameters {

    /** Items per page unless {@code limit} says otherwise. */
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    private QueryParameters() {
    }

    static int limit(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiErrors.BadRequest("limit: must be a whole number from 1 to " + MAX_LIMIT + ", not '" + value + "'");
    }

    /** A comma-separated list of statuses in any case; empty means any status. */
    static Set<JobStatus> statuses(String value) {
        Set<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
        if (value == null || value.isBlank()) {
            return statuses;
        }
        for (String name : value.split(",")) {
            try {
                statuses.add(JobStatus.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ApiErrors.BadRequest("status: unknown status '" + name.trim() + "'; known: "
                        + Arrays.toString(JobStatus.values()));
            }
        }
        return statuses;
    }

    /** An ISO-8601 time with a zone or offset ({@code 2024-05-01T12:00:00Z}), or null when absent. */
    static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ApiErrors.BadRequest(name + ": not an ISO-8601 time with an offset such as 2024-05-01T12:00:00Z: '"
                    + value + "'");
        }
    }

    /** {@code true} or {@code false}; absent is false. */
    static boolean flag(String name, String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ApiErrors.BadRequest(name + ": must be true or false, not '" + value + "'");
        };
    }
}
