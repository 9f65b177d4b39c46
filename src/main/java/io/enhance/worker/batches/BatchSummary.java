package io.enhance.worker.batches;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Where a batch stands, from its counters.
 *
 * @param batchSize the {@code batch_size} its requests gave, if any
 * @param counts jobs by status (lower case), only statuses that have jobs
 * @param jobs jobs stored so far
 * @param ended jobs completed, failed or cancelled
 * @param rejected its requests rejected at intake: members that ended without becoming jobs (a request
 *        rejected because its job_id is already a job of this batch is none)
 * @param failures failed jobs by error code
 * @param spendUsd what its submissions may have cost so far
 * @param projectedUsd spend plus the price of every job not yet submitted, and of jobs the batch size still expects
 *        (beyond its jobs and rejected requests)
 * @param reused jobs served so far with copies of a completed twin's outputs, nothing paid
 * @param toPay jobs not yet submitted and jobs the batch size still expects: what {@code projectedUsd} adds to the spend
 *        (some may yet be served with copies, at no cost)
 * @param tierSecondsToFinish how long the configured tier needs for {@code toPay} ({@code TierTime}: its rate and
 *        concurrency, at the last day's average inference time or 10 s)
 * @param jobsPerMinute jobs ended per minute since its first job arrived
 * @param eta when the last job should end at that rate; null when nothing ended yet, or nothing is left
 * @param state running, paused, awaiting_approval (its canary has ended, the rest waits), rejected, cancelled or completed
 * @param canary the canary it asked for, if any: its first jobs, submitted before the rest waits for approval
 * @param canaryState running (the canary is under way), awaiting_approval, approved or rejected; null without a canary
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchSummary(String batchId, Integer batchSize, String state, Map<String, Long> counts, long jobs,
        long ended, long rejected, Map<String, Long> failures, BigDecimal spendUsd, BigDecimal projectedUsd, long reused,
        long toPay, long tierSecondsToFinish, Instant firstJobAt, Instant lastFinishedAt, double jobsPerMinute, Instant eta,
        Instant pausedAt, Instant cancelledAt, Instant completedAt, Integer canary, String canaryState) {
}
