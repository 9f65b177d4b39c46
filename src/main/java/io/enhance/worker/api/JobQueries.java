package io.enhance.worker.api;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.batches.Rows;
import io.enhance.worker.jobs.JobError;
import io.enhance.worker.jobs.JobStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The API's reads of {@code jobs} that the entity does not serve: the filtered listing, newest first
 * (by id) and paged by an opaque cursor, and which jobs belong to a batch. The listing's filters use
 * the indexes of {@code V11}.
 */
@ApplicationScoped
public class JobQueries {

    private static final String CURSOR_PREFIX = "jobs-before:";

    private final EntityManager entityManager;

    JobQueries(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /** What to list; null or empty fields do not filter. */
    public record Filter(Set<JobStatus> statuses, String batchId, String errorCode, Instant createdAfter,
            Instant createdBefore) {
    }

    /** One job in a listing. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Item(String jobId, String batchId, JobStatus status, JobError error, int attempts, int retries,
            BigDecimal spendUsd, BigDecimal costUsd, Instant createdAt, Instant finishedAt, boolean hasOutputs) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Page(List<Item> jobs, String nextCursor) {
    }

    /**
     * Jobs matching {@code filter}, newest first, {@code limit} at a time.
     *
     * @param cursor {@code next_cursor} of the previous page, or null for the first
     * @throws ApiErrors.BadRequest when the cursor is not one this method handed out
     */
    public Page list(Filter filter, String cursor, int limit) {
        StringBuilder sql = new StringBuilder("""
                select id, job_id, batch_id, status, error_code, error_message, attempts, retries, spend_usd, cost_usd,
                       created_at, finished_at, case when jsonb_typeof(outputs) = 'array' then jsonb_array_length(outputs) > 0 else false end
                from jobs where true""");
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (!filter.statuses().isEmpty()) {
            sql.append(" and status in (:statuses)");
            parameters.put("statuses", filter.statuses().stream().map(JobStatus::name).toList());
        }
        condition(sql, parameters, "batch_id = :batch", "batch", filter.batchId());
        condition(sql, parameters, "error_code = :error", "error", filter.errorCode());
        condition(sql, parameters, "created_at >= :after", "after", filter.createdAfter());
        condition(sql, parameters, "created_at < :before", "before", filter.createdBefore());
        condition(sql, parameters, "id < :cursor", "cursor", cursor == null || cursor.isBlank() ? null : decode(cursor));
        sql.append(" order by id desc limit :limit");
        parameters.put("limit", limit + 1);
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = entityManager.createNativeQuery(sql.toString());
            parameters.forEach(query::setParameter);
            @SuppressWarnings("unchecked")
            List<Object[]> rows = query.getResultList();
            boolean more = rows.size() > limit;
            List<Object[]> page = more ? rows.subList(0, limit) : rows;
            List<Item> items = new ArrayList<>();
            for (Object[] row : page) {
                items.add(new Item((String) row[1], (String) row[2], JobStatus.valueOf((String) row[3]),
                        row[4] == null ? null : new JobError((String) row[4], (String) row[5]),
                        ((Number) row[6]).intValue(), ((Number) row[7]).intValue(), Rows.money(row[8]), Rows.money(row[9]),
                        Rows.instant(row[10]), Rows.instant(row[11]), (Boolean) row[12]));
            }
            return new Page(items, more ? encode(((Number) page.get(limit - 1)[0]).longValue()) : null);
        });
    }

    /** Those of {@code jobIds} that belong to the batch. */
    public Set<String> inBatch(String batchId, Collection<String> jobIds) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<String> found = entityManager.createNativeQuery("select job_id from jobs where batch_id = ?1 and job_id in (?2)")
                    .setParameter(1, batchId).setParameter(2, jobIds).getResultList();
            return Set.copyOf(found);
        });
    }

    private static void condition(StringBuilder sql, Map<String, Object> parameters, String condition, String name,
            Object value) {
        if (value != null && !"".equals(value)) {
            sql.append(" and ").append(condition);
            parameters.put(name, value);
        }
    }

    private static String encode(long id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((CURSOR_PREFIX + id).getBytes(StandardCharsets.UTF_8));
    }

    private static long decode(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            if (plain.startsWith(CURSOR_PREFIX)) {
                return Long.parseLong(plain.substring(CURSOR_PREFIX.length()));
            }
        } catch (IllegalArgumentException e) {
            // answered below (NumberFormatException is one too)
        }
        throw new ApiErrors.BadRequest("cursor: not one this API handed out; pass next_cursor of the previous page as is");
    }

}
