package io.enhance.worker.intake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.hibernate.Session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.jobs.FairQueue;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.SubmissionHolds;

/**
 * Stores new jobs, queued (paused while an operator holds their batch), with their first transition, in one statement per batch: no entity is
 * built, loaded or dirty-checked on the hot path of intake.
 */
@ApplicationScoped
class NewJobs {

    /*
     * Each row draws its own id from the pooled sequence, so it takes a whole block: Hibernate, which
     * uses the block below each value it draws, never meets these ids. The transition copies the
     * status the row was stored with: QUEUED, or PAUSED while an operator holds submissions.
     */
    private static final String INSERT = """
            with stored as (
                insert into jobs (id, job_id, batch_id, status, input, output_bucket, output_key_prefix, metadata,
                        request_digest, trace_parent, trace_state, due_at, created_at, updated_at, priority, batch_rank)
                select nextval('jobs_seq'), r.job_id, r.batch_id, case when %s then ? else ? end,
                        cast(r.input as jsonb), r.output_bucket,
                        r.output_key_prefix, cast(r.metadata as jsonb), r.request_digest, r.trace_parent, r.trace_state,
                        ?, ?, ?, r.priority, r.batch_rank
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::text[], ?::int[], ?::bigint[])
                        as r(job_id, batch_id, input, output_bucket, output_key_prefix, metadata, request_digest,
                             trace_parent, trace_state, priority, batch_rank)
                on conflict (job_id) do nothing
                returning id, job_id, status, created_at
            ), transitions as (
                insert into job_transitions (id, job, from_status, to_status, at, detail)
                select nextval('job_transitions_seq'), id, null, status, created_at,
                       case when status = 'PAUSED' then '%s' end from stored
            )
            select job_id from stored""".formatted(SubmissionHolds.held("r.batch_id"), SubmissionHolds.PAUSED);

    /** The first request of a batch that gives its size sets it. */
    private static final String SIZE_BATCHES = """
            insert into batches (batch_key, expected_jobs)
            select * from unnest(?::text[], ?::int[]) as s(batch_key, expected_jobs) order by batch_key
            on conflict (batch_key) do update set expected_jobs = excluded.expected_jobs
            where batches.expected_jobs is null""";

    /** Rows of another worker's open transaction with the same job id make this insert wait; not forever. */
    private static final int QUERY_TIMEOUT_SECONDS = 30;

    private final EntityManager entityManager;
    private final ObjectMapper json;
    private final FairQueue fairQueue;

    NewJobs(EntityManager entityManager, ObjectMapper json, FairQueue fairQueue) {
        this.entityManager = entityManager;
        this.json = json;
        this.fairQueue = fairQueue;
    }

    /**
     * Inserts a job for each message (all valid, job ids distinct) whose job id is not taken yet, in the
     * caller's transaction.
     *
     * @return the job ids inserted; any other was already taken
     */
    Set<String> insert(Collection<RequestMessage> messages, Instant now) {
        if (messages.isEmpty()) {
            return Set.of();
        }
        int size = messages.size();
        String[][] columns = new String[9][size];
        Integer[] priorities = new Integer[size];
        Long[] ranks = new Long[size];
        Map<String, Long> nextRank = new HashMap<>();
        messages.stream().collect(Collectors.groupingBy(message -> batchKey(message.request()), Collectors.counting()))
                .forEach((batch, count) -> nextRank.put(batch, fairQueue.reserve(batch, count.intValue())));
        int row = 0;
        for (RequestMessage message : messages) {
            JobRequest request = message.request();
            columns[0][row] = request.jobId();
            columns[1][row] = request.batchId();
            columns[2][row] = toJson(request.input());
            columns[3][row] = request.outputBucket();
            columns[4][row] = request.outputKeyPrefix();
            columns[5][row] = request.metadata() == null ? null : toJson(request.metadata()); // SQL null, not JSON null
            columns[6][row] = message.digest();
            columns[7][row] = message.trace().traceParent();
            columns[8][row] = message.trace().traceState();
            priorities[row] = request.priority();
            ranks[row] = nextRank.merge(batchKey(request), 1L, Long::sum) - 1;
            row++;
        }
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        return entityManager.unwrap(Session.class).doReturningWork(connection -> run(connection, columns, priorities, ranks, at));
    }

    /**
     * Sets the size of each batch that has none yet, in the caller's transaction: a rejected request
     * gives its batch's size as well as a stored one does.
     *
     * @param sizes batch_size by batch_id, sorted, so that workers sizing the same batches lock them in one order
     */
    void sizeBatches(SortedMap<String, Integer> sizes) {
        if (sizes.isEmpty()) {
            return;
        }
        entityManager.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(SIZE_BATCHES)) {
                insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                insert.setArray(1, connection.createArrayOf("text", sizes.keySet().toArray()));
                insert.setArray(2, connection.createArrayOf("integer", sizes.values().toArray()));
                insert.executeUpdate();
            }
        });
    }

    private static String batchKey(JobRequest request) {
        return request.batchId() == null ? "" : request.batchId();
    }

    private static Set<String> run(Connection connection, String[][] columns, Integer[] priorities, Long[] ranks,
            OffsetDateTime at) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            insert.setString(1, JobStatus.PAUSED.name());
            insert.setString(2, JobStatus.QUEUED.name());
            insert.setObject(3, at);
            insert.setObject(4, at);
            insert.setObject(5, at);
            for (int column = 0; column < columns.length; column++) {
                insert.setArray(6 + column, connection.createArrayOf("text", columns[column]));
            }
            insert.setArray(6 + columns.length, connection.createArrayOf("integer", priorities));
            insert.setArray(7 + columns.length, connection.createArrayOf("bigint", ranks));
            Set<String> stored = new HashSet<>();
            try (ResultSet rows = insert.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getString(1));
                }
            }
            return stored;
        }
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a validated request always serialises", e);
        }
    }
}
