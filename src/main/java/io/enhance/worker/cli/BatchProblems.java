package io.enhance.worker.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.JobStore.ReasonGroup;
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

    /** Failed jobs by error code. */
    public List<ReasonGroup> failures(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> store.failuresOfBatch(batch, EXAMPLES));
    }

    /** Requests of the batch rejected since {@code since}, by their problems ({@code field: message; ...}). */
    public List<ReasonGroup> rejections(String batch, Instant since) {
        return QuarkusTransaction.requiringNew().call(() -> store.rejectionsOfBatch(batch + "/", since, EXAMPLES)).stream()
                .map(group -> new ReasonGroup(readable(group.reason()), group.jobs(), group.stored(), group.examples()))
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
