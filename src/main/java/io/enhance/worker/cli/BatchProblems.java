package io.enhance.worker.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.narayana.jta.QuarkusTransaction;

/** What went wrong in a batch, grouped by reason with a few example job ids: failed jobs and rejected requests. */
@ApplicationScoped
public class BatchProblems {

    /** Example job ids shown per reason. */
    static final int EXAMPLES = 5;

    /** One small query on the batch's failed jobs (the batch_id index finds them). */
    private static final String FAILURES = """
            select coalesce(error_code, ''), count(*), 0,
                   array_to_string((array_agg(job_id order by job_id))[1:%d], ' ')
            from jobs where batch_id = ?1 and status = 'FAILED' group by 1 order by 2 desc, 1""".formatted(EXAMPLES);

    /**
     * Each job id's latest rejection since {@code ?2}, grouped by its problems; {@code stored} counts those
     * rejected although their job exists (sent again with a different request), which leave the job as it was.
     */
    private static final String REJECTIONS = """
            with latest as (
                select distinct on (job_id) job_id, problems from rejected_messages
                where starts_with(job_id, ?1) and received_at >= ?2 order by job_id, received_at desc)
            select l.problems::text, count(*), count(j.id),
                   array_to_string((array_agg(l.job_id order by l.job_id))[1:%d], ' ')
            from latest l left join jobs j on j.job_id = l.job_id group by 1 order by 2 desc, 1""".formatted(EXAMPLES);

    private final EntityManager entityManager;
    private final ObjectMapper json;

    BatchProblems(EntityManager entityManager, ObjectMapper json) {
        this.entityManager = entityManager;
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
        return groups(FAILURES, batch);
    }

    /** Requests of the batch rejected since {@code since}, by their problems ({@code field: message; ...}). */
    public List<Group> rejections(String batch, Instant since) {
        return groups(REJECTIONS, batch + "/", since).stream()
                .map(group -> new Group(readable(group.reason()), group.jobs(), group.stored(), group.examples()))
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

    private List<Group> groups(String sql, Object... parameters) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = entityManager.createNativeQuery(sql);
            for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
            }
            List<Group> groups = new ArrayList<>();
            for (Object row : query.getResultList()) {
                Object[] columns = (Object[]) row;
                groups.add(new Group((String) columns[0], ((Number) columns[1]).longValue(),
                        ((Number) columns[2]).longValue(), List.of(((String) columns[3]).split(" "))));
            }
            return groups;
        });
    }
}
