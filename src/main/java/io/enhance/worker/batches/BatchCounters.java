package io.enhance.worker.batches;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.enhance.worker.events.JobEvents;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.Rows;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Keeps the batch counters. A trigger on {@code jobs} appends every change of status or spend to
 * {@code batch_count_changes}, and one on {@code rejected_messages} each rejected request that is a
 * member of a batch, under the status {@value #REJECTED}; about once a second one worker folds them into
 * {@code batch_counts}, the batches' first and last job times and the per-minute activity, and writes
 * {@code batch.completed} for each sized batch whose members (jobs and rejected requests) have all
 * ended, in the same transaction.
 */
@ApplicationScoped
public class BatchCounters {

    private static final Logger LOG = Logger.getLogger(BatchCounters.class);

    /** The counted status of a batch's request rejected at intake: a member that ended without a job. */
    static final String REJECTED = "REJECTED";

    /**
     * Failed job ids that {@code batch.completed} lists at most, so that a batch of millions cannot
     * outgrow a broker message; the event gives the full count, and the API lists the rest.
     */
    static final int FAILED_IDS_IN_EVENT = 100;
    /** Any constant will do, as long as nothing else in the database takes this advisory lock. */
    private static final long FOLD_LOCK = 0x626174636865L;

    private static final String FOLD = """
            with folded as (delete from batch_count_changes returning *),
            counted as (
                insert into batch_counts (batch_key, status, error_code, jobs, spend_usd)
                select batch_key, status, error_code, sum(jobs), sum(spend_usd) from folded
                group by 1, 2, 3 order by 1, 2, 3
                on conflict (batch_key, status, error_code) do update
                set jobs = batch_counts.jobs + excluded.jobs, spend_usd = batch_counts.spend_usd + excluded.spend_usd),
            timed as (
                insert into batches (batch_key, first_job_at, last_finished_at)
                select batch_key, min(at) filter (where new_job), max(at) filter (where finished) from folded
                group by 1 order by 1
                on conflict (batch_key) do update
                set first_job_at = least(batches.first_job_at, excluded.first_job_at),
                    last_finished_at = greatest(batches.last_finished_at, excluded.last_finished_at)),
            charted as (
                insert into activity_minutes (minute, completed, failed, cancelled, spend_usd)
                select date_trunc('minute', at),
                       count(*) filter (where finished and status = 'COMPLETED'),
                       count(*) filter (where finished and status = 'FAILED'),
                       count(*) filter (where finished and status = 'CANCELLED'),
                       sum(spend_usd)
                from folded group by 1 order by 1
                on conflict (minute) do update
                set completed = activity_minutes.completed + excluded.completed,
                    failed = activity_minutes.failed + excluded.failed,
                    cancelled = activity_minutes.cancelled + excluded.cancelled,
                    spend_usd = activity_minutes.spend_usd + excluded.spend_usd)
            select distinct batch_key from folded""";

    /** Sized batches among those just changed, with their totals (read under the fold's lock: one writer completes each). */
    private static final String SIZED = """
            select b.batch_key, b.expected_jobs, b.completions, b.completed_at is not null,
                   sum(c.jobs), coalesce(sum(c.jobs) filter (where c.status in (?2)), 0), sum(c.spend_usd),
                   b.first_job_at, b.last_finished_at
            from batches b join batch_counts c on c.batch_key = b.batch_key
            where b.batch_key in (?1) and b.expected_jobs is not null
            group by b.batch_key order by b.batch_key""";

    private final EntityManager entityManager;
    private final JobEvents events;
    private final DatabaseClock clock;
    private final JobStore store;

    BatchCounters(EntityManager entityManager, JobEvents events, DatabaseClock clock, JobStore store) {
        this.store = store;
        this.entityManager = entityManager;
        this.events = events;
        this.clock = clock;
    }

    /** Folds the changes committed so far, unless another worker is folding them right now. */
    public void fold() {
        QuarkusTransaction.requiringNew().run(() -> {
            Boolean locked = (Boolean) entityManager.createNativeQuery("select pg_try_advisory_xact_lock(?1)")
                    .setParameter(1, FOLD_LOCK).getSingleResult();
            if (!locked) {
                return;
            }
            @SuppressWarnings("unchecked")
            List<String> touched = entityManager.createNativeQuery(FOLD).getResultList();
            if (!touched.isEmpty()) {
                completeSizedBatches(touched);
            }
        });
    }

    private void completeSizedBatches(List<String> touched) {
        @SuppressWarnings("unchecked")
        List<String> endedStatuses = new ArrayList<>(JobStatus.FINAL.stream().map(JobStatus::name).toList());
        endedStatuses.add(REJECTED);
        List<Object[]> rows = entityManager.createNativeQuery(SIZED)
                .setParameter(1, touched)
                .setParameter(2, endedStatuses)
                .getResultList();
        Instant now = clock.now();
        for (Object[] row : rows) {
            String batch = (String) row[0];
            long expected = Rows.number(row[1]);
            int completions = (int) Rows.number(row[2]);
            boolean completed = (Boolean) row[3];
            long members = Rows.number(row[4]);
            long ended = Rows.number(row[5]);
            boolean allEnded = members >= expected && ended == members;
            if (allEnded && !completed) {
                entityManager.createNativeQuery("update batches set completed_at = ?2, completions = completions + 1"
                        + " where batch_key = ?1").setParameter(1, batch).setParameter(2, now).executeUpdate();
                events.batchCompleted(batch, completions + 1, completedEvent(batch, expected, members,
                        Rows.money(row[6]), Rows.instant(row[7]), Rows.instant(row[8])), now);
                LOG.infof("Batch %s completed: %d members", batch, members);
            } else if (!allEnded && completed) {
                // a job was retried, or more jobs came than the batch size said: it completes again later
                entityManager.createNativeQuery("update batches set completed_at = null where batch_key = ?1")
                        .setParameter(1, batch).executeUpdate();
            }
        }
    }

    /** @param members its jobs and its rejected requests, which {@code jobs} counts and {@code counts} breaks down */
    private Map<String, Object> completedEvent(String batch, long expected, long members, BigDecimal spend,
            Instant firstJobAt, Instant lastFinishedAt) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("batch_id", batch);
        data.put("batch_size", expected);
        data.put("jobs", members);
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Long> failures = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        List<Object[]> byStatus = entityManager.createNativeQuery("""
                select status, error_code, sum(jobs) from batch_counts where batch_key = ?1
                group by 1, 2 having sum(jobs) > 0 order by 1, 2""").setParameter(1, batch).getResultList();
        for (Object[] row : byStatus) {
            long count = Rows.number(row[2]);
            counts.merge(((String) row[0]).toLowerCase(Locale.ROOT), count, Long::sum);
            if (JobStatus.FAILED.name().equals(row[0])) {
                failures.merge((String) row[1], count, Long::sum);
            }
        }
        data.put("counts", counts);
        data.put("failures", failures);
        data.put("cost_usd", spend);
        data.put("started_at", firstJobAt == null ? null : firstJobAt.toString());
        data.put("finished_at", lastFinishedAt == null ? null : lastFinishedAt.toString());
        data.put("duration_seconds", firstJobAt == null || lastFinishedAt == null ? null
                : Duration.between(firstJobAt, lastFinishedAt).toMillis() / 1000.0);
        List<String> failedIds = store.failedJobIds(batch, FAILED_IDS_IN_EVENT);
        long failed = counts.getOrDefault(JobStatus.FAILED.name().toLowerCase(Locale.ROOT), 0L);
        data.put("failed_job_ids", failedIds);
        data.put("failed_count", failed);
        data.put("failed_job_ids_truncated", failed > failedIds.size());
        data.put("failed_jobs_path", "/api/jobs?batch_id=" + URLEncoder.encode(batch, StandardCharsets.UTF_8)
                + "&status=FAILED");
        return data;
    }
}
