package io.enhance.worker.batches;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.Rows;
import io.enhance.worker.jobs.SpendingCaps;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Reads batches and totals from the counters (folded counts plus changes not folded yet), never by
 * scanning jobs, so that a report costs the same for ten jobs or ten million.
 */
@ApplicationScoped
public class BatchReports {

    /** Batches listed at most per page. */
    public static final int MAX_PAGE = 200;

    /** Counted and not yet folded, per batch, status and error code. */
    private static final String COUNTS = """
            select batch_key, status, error_code, sum(jobs), sum(spend_usd) from (
                select batch_key, status, error_code, jobs, spend_usd from batch_counts where batch_key in (?1)
                union all
                select batch_key, status, error_code, jobs, spend_usd from batch_count_changes where batch_key in (?1)
            ) c group by 1, 2, 3""";

    private static final String BATCH_COLUMNS = "batch_key, expected_jobs, paused_at, cancelled_at, completed_at,"
            + " first_job_at, last_finished_at, canary_jobs, canary_ended_at, approved_at, rejected_at";

    /** Newest first; a batch is listed once its first job is counted, within a fold interval. */
    private static final String ORDER = "first_job_at";

    private final EntityManager entityManager;
    private final DatabaseClock clock;
    private final SpendingCaps caps;
    private final JobStore store;
    private final TimeOnTier tierTime;

    BatchReports(EntityManager entityManager, DatabaseClock clock, SpendingCaps caps, JobStore store, TimeOnTier tierTime) {
        this.store = store;
        this.tierTime = tierTime;
        this.entityManager = entityManager;
        this.clock = clock;
        this.caps = caps;
    }

    /** A page of batches and the cursor of the next page, if there is one. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Page(List<BatchSummary> batches, String nextCursor) {
    }

    /** Jobs and spend over every batch, and jobs without one. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Totals(Map<String, Long> counts, long jobs, long inFlight, BigDecimal spendUsd,
            Instant submissionsPausedAt) {
    }

    /** Jobs ended and spend committed in one minute. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Minute(Instant minute, long completed, long failed, long cancelled, BigDecimal spendUsd) {
    }

    public Optional<BatchSummary> batch(String batchId) {
        return QuarkusTransaction.requiringNew().call(() -> summaries(rows(
                "select " + BATCH_COLUMNS + " from batches where batch_key = ?1", batchId)).stream().findFirst());
    }

    /**
     * Batches, newest first, {@code limit} at a time.
     *
     * @param cursor {@code nextCursor} of the previous page, or null for the first
     * @throws IllegalArgumentException when the cursor is not one this method handed out
     */
    public Page list(String cursor, int limit) {
        int size = Math.max(1, Math.min(limit, MAX_PAGE));
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Object[]> rows;
            String select = "select " + BATCH_COLUMNS + " from batches where batch_key <> '' and first_job_at is not null";
            if (cursor == null || cursor.isBlank()) {
                rows = rows(select + " order by " + ORDER + " desc, batch_key limit ?1", size + 1);
            } else {
                Cursor after = Cursor.decode(cursor);
                rows = rows(select + " and (" + ORDER + " < ?1 or (" + ORDER + " = ?1 and batch_key > ?2))"
                        + " order by " + ORDER + " desc, batch_key limit ?3", after.sortedAt(), after.batchKey(), size + 1);
            }
            boolean more = rows.size() > size;
            List<Object[]> page = more ? rows.subList(0, size) : rows;
            String next = more ? new Cursor(Rows.instant(page.get(size - 1)[5]), (String) page.get(size - 1)[0]).encode() : null;
            return new Page(summaries(page), next);
        });
    }

    public Totals totals() {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = entityManager.createNativeQuery("""
                    select status, sum(jobs), sum(spend_usd) from (
                        select status, jobs, spend_usd from batch_counts
                        union all select status, jobs, spend_usd from batch_count_changes
                    ) c where status <> ?1 group by 1""").setParameter(1, BatchCounters.REJECTED).getResultList();
            Map<String, Long> counts = new TreeMap<>();
            BigDecimal spend = BigDecimal.ZERO;
            long inFlight = 0;
            for (Object[] row : rows) {
                JobStatus status = JobStatus.valueOf((String) row[0]);
                long jobs = Rows.number(row[1]);
                if (jobs != 0) {
                    counts.put(status.name().toLowerCase(Locale.ROOT), jobs);
                }
                if (JobStatus.IN_FLIGHT.contains(status)) {
                    inFlight += jobs;
                }
                spend = spend.add(Rows.money(row[2]));
            }
            Instant paused = Rows.instant(entityManager.createNativeQuery("select paused_at from submission_controls")
                    .getSingleResult());
            return new Totals(counts, counts.values().stream().mapToLong(Long::longValue).sum(), inFlight, spend, paused);
        });
    }

    /** Per-minute activity over the last {@code window}, oldest first, minutes without activity left out. */
    public List<Minute> activity(Duration window) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Minute> minutes = new ArrayList<>();
            for (Object[] row : rows("select minute, completed, failed, cancelled, spend_usd from activity_minutes"
                    + " where minute >= ?1 order by minute", clock.now().minus(window))) {
                minutes.add(new Minute(Rows.instant(row[0]), Rows.number(row[1]), Rows.number(row[2]),
                        Rows.number(row[3]), Rows.money(row[4])));
            }
            return minutes;
        });
    }

    /** Spend committed since {@code from}, from the per-minute totals (changes not folded yet are left out). */
    public BigDecimal spendSince(Instant from) {
        return QuarkusTransaction.requiringNew().call(() -> Rows.money(entityManager.createNativeQuery(
                "select coalesce(sum(spend_usd), 0) from activity_minutes where minute >= ?1").setParameter(1, from)
                .getSingleResult()));
    }

    private List<BatchSummary> summaries(List<Object[]> batchRows) {
        if (batchRows.isEmpty()) {
            return List.of();
        }
        Map<String, List<Object[]>> countsByBatch = new HashMap<>();
        for (Object[] row : rows(COUNTS, batchRows.stream().map(row -> (String) row[0]).toList())) {
            countsByBatch.computeIfAbsent((String) row[0], key -> new ArrayList<>()).add(row);
        }
        Map<String, Long> reused = store.reusedIn(batchRows.stream().map(row -> (String) row[0]).toList());
        Instant now = clock.now();
        return batchRows.stream().map(row -> summary(row, countsByBatch.getOrDefault((String) row[0], List.of()),
                reused.getOrDefault((String) row[0], 0L), now)).toList();
    }

    private BatchSummary summary(Object[] batch, List<Object[]> countRows, long reused, Instant now) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Long> failures = new TreeMap<>();
        BigDecimal spend = BigDecimal.ZERO;
        long jobs = 0;
        long ended = 0;
        long rejected = 0;
        long notYetPaid = 0;
        for (Object[] row : countRows) {
            long count = Rows.number(row[3]);
            if (BatchCounters.REJECTED.equals(row[1])) {
                rejected += count;
                continue;
            }
            JobStatus status = JobStatus.valueOf((String) row[1]);
            spend = spend.add(Rows.money(row[4]));
            if (count == 0) {
                continue;
            }
            counts.merge(status.name().toLowerCase(Locale.ROOT), count, Long::sum);
            jobs += count;
            ended += status.isTerminal() ? count : 0;
            notYetPaid += JobStatus.NOT_YET_PAID.contains(status) ? count : 0;
            if (status == JobStatus.FAILED) {
                failures.merge((String) row[2], count, Long::sum);
            }
        }
        Integer size = batch[1] == null ? null : (int) Rows.number(batch[1]);
        // a rejected request will not come back as a job of this batch's size
        long expectedMore = size == null ? 0 : Math.max(0, size - jobs - rejected);
        Instant paused = Rows.instant(batch[2]);
        Instant cancelled = Rows.instant(batch[3]);
        Instant completed = Rows.instant(batch[4]);
        Instant first = Rows.instant(batch[5]);
        Instant last = Rows.instant(batch[6]);
        boolean allEnded = ended == jobs && expectedMore == 0;
        Integer canary = batch[7] == null ? null : (int) Rows.number(batch[7]);
        String canaryState = canary == null ? null : batch[10] != null ? "rejected" : batch[9] != null ? "approved"
                : batch[8] != null ? "awaiting_approval" : "running";
        String state = cancelled != null ? ("rejected".equals(canaryState) ? "rejected" : "cancelled")
                : allEnded && jobs + rejected > 0 ? "completed" : paused != null ? "paused"
                : "awaiting_approval".equals(canaryState) ? "awaiting_approval" : "running";
        Instant rateUntil = allEnded && last != null ? last : now;
        double minutes = first == null ? 0 : Math.max(Duration.between(first, rateUntil).toMillis(), 1) / 60_000.0;
        double perMinute = minutes == 0 ? 0 : ended / minutes;
        long remaining = jobs - ended + expectedMore;
        Instant eta = perMinute == 0 || remaining == 0 || !"running".equals(state) ? null
                : now.plusMillis((long) (remaining / perMinute * 60_000));
        long toPay = notYetPaid + expectedMore;
        BigDecimal projected = spend.add(caps.price().multiply(BigDecimal.valueOf(toPay)));
        return new BatchSummary((String) batch[0], size, state, counts, jobs, ended, rejected, failures, spend, projected,
                reused, toPay, secondsRoundedUp(tierTime.toFinish(toPay)), first, last, Math.round(perMinute * 10) / 10.0,
                eta, paused, cancelled, completed, canary, canaryState);
    }

    /** Whole seconds, a part of one counted as one: a batch with work left never shows 0. */
    private static long secondsRoundedUp(Duration duration) {
        return (duration.toMillis() + 999) / 1000;
    }

    @SuppressWarnings("unchecked")
    private List<Object[]> rows(String sql, Object... parameters) {
        var query = entityManager.createNativeQuery(sql);
        for (int i = 0; i < parameters.length; i++) {
            query.setParameter(i + 1, parameters[i]);
        }
        return query.getResultList();
    }

    /** Where a page of batches ended: the last batch's sort time and key, opaque to clients. */
    private record Cursor(Instant sortedAt, String batchKey) {

        String encode() {
            String plain = sortedAt + "\n" + batchKey;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String cursor) {
            try {
                String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int newline = plain.indexOf('\n');
                return new Cursor(Instant.parse(plain.substring(0, newline)), plain.substring(newline + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cursor: not one this API handed out");
            }
        }
    }
}
