package io.enhance.worker.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.jobs.JobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** What went wrong in a batch, grouped by reason with a few example job ids: failed jobs and rejected requests. */
@ApplicationScoped
public class BatchProblems {

    /** Example job ids shown per reason. */
    static final int EXAMPLES = 5;

    private final JobStore store;
    private final ObjectMapper json;

    BatchProblems(JobStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /**
     * Jobs or requests that share a reason.
     *
     * @param stored of {@code jobs} rejected requests, those whose job exists all the same
     */
    public record Group(String reason, long jobs, long stored, List<String> examples) {
    }

    /** Failed jobs by error code. */
    public List<Group> failures(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> store.failuresOfBatch(batch, EXAMPLES)).stream()
                .map(reason -> new Group(reason.reason(), reason.count(), reason.stored(), reason.examples())).toList();
    }

    /** Requests of the batch rejected since {@code since}, by their problems ({@code field: message; ...}). */
    public List<Group> rejections(String batch, Instant since) {
        return QuarkusTransaction.requiringNew().call(() -> store.rejectionsOfBatch(batch + "/", since, EXAMPLES)).stream()
                .map(reason -> new Group(readable(reason.reason()), reason.count(), reason.stored(), reason.examples()))
                .toList();
    }

    /** The stored problems, a JSON list of {@code {field, message}}, as one line. */
    private String readable(String problems) {
        try {
            List<String> lines = new ArrayList<>();
            json.readTree(problems).forEach(problem -> lines.add(problem.path("field").asText() + ": "
                    + problem.path("message").asText()));
            return String.join("; ", lines);
        } catch (JsonProcessingException unreadable) {
            return problems;
        }
    }
}
