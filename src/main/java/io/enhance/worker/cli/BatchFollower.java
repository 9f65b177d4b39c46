package io.enhance.worker.cli;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.enhance.worker.batches.BatchReports;
import io.enhance.worker.batches.Canaries;
import io.enhance.worker.config.LocalModeServices;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.cli.BatchState.Outcome;
import io.enhance.worker.jobs.JobStore.ReasonGroup;
import io.enhance.worker.runtime.DatabaseClock;

/**
 * Follows a batch from its counters once a second until every job has ended, drawing progress: on a
 * terminal one line redrawn in place, otherwise a plain line every few seconds (for logs and CI). When its
 * canary has ended, says where the canary's outputs are and how to approve or reject the rest, and waits.
 */
@ApplicationScoped
public class BatchFollower {

    private static final Duration READ_EVERY = Duration.ofSeconds(1);
    private static final Duration PLAIN_LINE_EVERY = Duration.ofSeconds(5);
    /** Rejections are dated on the worker's clock, which may run this much behind the database's. */
    private static final Duration CLOCK_MARGIN = Duration.ofSeconds(5);

    private final BatchReports reports;
    private final BatchProblems problems;
    private final DatabaseClock clock;
    private final Canaries canaries;
    private final Instance<LocalModeServices> localServices;

    BatchFollower(BatchReports reports, BatchProblems problems, DatabaseClock clock, Canaries canaries,
            Instance<LocalModeServices> localServices) {
        this.canaries = canaries;
        this.localServices = localServices;
        this.reports = reports;
        this.problems = problems;
        this.clock = clock;
    }

    /**
     * Where {@code batch} stands now.
     *
     * @param total the jobs it should end with; 0 to take its batch size, or its jobs if it has more or no size
     * @param sentAt when this command sent it, if it did; rejections are counted from then on, else all
     */
    public BatchState read(String batch, long total, Optional<Instant> sentAt) {
        var summary = reports.batch(batch);
        // a batch may hold more jobs than its size said: an image edited since it was sent is a job of its own
        long expected = total > 0 ? total
                : summary.map(s -> s.batchSize() == null ? s.jobs() : Math.max(s.batchSize(), s.jobs())).orElse(0L);
        var rejections = problems.rejections(batch, sentAt.map(at -> at.minus(CLOCK_MARGIN)).orElse(Instant.EPOCH));
        if (total == 0 && summary.isEmpty()) {
            expected = rejections.stream().mapToLong(ReasonGroup::jobs).sum();
        }
        return new BatchState(batch, summary, expected, problems.failures(batch), rejections, sentAt);
    }

    /** Follows {@code batch} until it has {@code total} jobs ended or {@code timeout} passes, then prints its summary. */
    public Outcome follow(String batch, long total, Instant sentAt, Duration timeout, PrintStream out)
            throws InterruptedException {
        boolean terminal = System.console() != null;
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextPlainLine = System.nanoTime();
        int drawn = 0;
        boolean canaryShown = false;
        while (true) {
            BatchState state = read(batch, total, Optional.of(sentAt));
            Instant now = clock.now();
            if (!canaryShown && state.summary().map(s -> "awaiting_approval".equals(s.canaryState())).orElse(false)) {
                out.print((terminal ? System.lineSeparator() : "") + canaryReport(batch));
                canaryShown = true;
            }
            String line = BatchReport.progressLine(state, now);
            boolean over = state.finished() || System.nanoTime() > deadline;
            if (terminal) {
                out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())) + (over ? System.lineSeparator() : ""));
                out.flush();
                drawn = line.length();
            } else if (over || System.nanoTime() >= nextPlainLine) {
                out.println(line);
                nextPlainLine = System.nanoTime() + PLAIN_LINE_EVERY.toNanos();
            }
            if (state.finished()) {
                out.println();
                out.print(BatchReport.summaryTable(state, now));
                return state.outcome();
            }
            if (over) {
                out.printf("%nTimed out after %s: %d of %d jobs have not ended; the batch goes on. See it with: status %s%n",
                        BatchReport.duration(timeout), state.total() - Math.min(state.done(), state.total()), state.total(), batch);
                out.print(BatchReport.summaryTable(state, now));
                return Outcome.TIMED_OUT;
            }
            Thread.sleep(READ_EVERY.toMillis());
        }
    }

    /** Where the canary's outputs are (and, in local mode, their files), and how to approve or reject the rest. */
    private String canaryReport(String batch) {
        StringBuilder out = new StringBuilder();
        List<Canaries.CanaryJob> canary = canaries.canaryOf(batch);
        out.append(String.format(Locale.ROOT, "Canary of batch %s has ended, %s paid; the rest waits for your decision:%n",
                batch, BatchReport.dollars(canary.stream().map(Canaries.CanaryJob::costUsd).reduce(BigDecimal.ZERO,
                        BigDecimal::add))));
        for (Canaries.CanaryJob job : canary) {
            if (job.outputs().isEmpty()) {
                out.append(String.format(Locale.ROOT, "  %-40s %s %s%n", job.jobId(), job.status(),
                        job.error() == null ? "" : job.error().code() + ": " + job.error().message()));
            }
            for (StoredOutput output : job.outputs()) {
                out.append(String.format(Locale.ROOT, "  %-40s %s  s3://%s/%s%n", job.jobId(), job.status(),
                        output.bucket(), output.key()));
                localFile(output).ifPresent(file -> out.append(String.format(Locale.ROOT, "  %-40s   file: %s%n", "", file)));
            }
        }
        out.append(String.format(Locale.ROOT, "Approve (submit the rest): approve %s   Reject (cancel it, nothing more paid):"
                + " reject %s%n  or on the dashboard, or POST /api/batches/%s/approve | /reject. Waiting for the decision.%n",
                batch, batch, batch));
        return out.toString();
    }

    private Optional<Path> localFile(StoredOutput output) {
        return localServices.isResolvable() ? localServices.get().fileOf(output.bucket(), output.key()) : Optional.empty();
    }
}
