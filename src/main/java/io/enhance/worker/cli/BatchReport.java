package io.enhance.worker.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.enhance.worker.batches.BatchSummary;
import io.enhance.worker.jobs.JobStore.ReasonGroup;

/** The progress line and the summary table of a batch, as text. */
public final class BatchReport {

    private static final int BAR = 24;

    private BatchReport() {
    }

    /** {@code [#########---------------]  12/40  30%  8.5 jobs/min  ETA 3m 18s  $0.3000 spent}. */
    public static String progressLine(BatchState state, Instant now) {
        long done = Math.min(state.done(), state.total());
        int percent = state.total() == 0 ? 100 : (int) (done * 100 / state.total());
        int filled = percent * BAR / 100;
        BatchSummary summary = state.summary().orElse(null);
        String eta = summary == null || summary.eta() == null ? "–" : duration(Duration.between(now, summary.eta()));
        return String.format(Locale.ROOT, "[%s%s] %5d/%d %3d%%  %.1f jobs/min  ETA %s  %s spent",
                "#".repeat(filled), "-".repeat(BAR - filled), done, state.total(), percent,
                jobsPerMinute(state, now), eta,
                dollars(summary == null ? BigDecimal.ZERO : summary.spendUsd()));
    }

    /** Counts by status, spend, duration, then failures and rejections by reason with example job ids. */
    public static String summaryTable(BatchState state, Instant now) {
        StringBuilder out = new StringBuilder();
        BatchSummary summary = state.summary().orElse(null);
        out.append(String.format(Locale.ROOT, "Batch %s: %d of %d ended%n", state.batch(), Math.min(state.done(),
                state.total()), state.total()));
        if (summary != null) {
            for (Map.Entry<String, Long> count : summary.counts().entrySet()) {
                out.append(String.format(Locale.ROOT, "  %-20s %8d%n", count.getKey(), count.getValue()));
            }
        }
        if (state.rejectedWithoutJob() > 0) {
            out.append(String.format(Locale.ROOT, "  %-20s %8d%n", "rejected", state.rejectedWithoutJob()));
        }
        out.append(String.format(Locale.ROOT, "  %-20s %8s%n", "spend",
                dollars(summary == null ? BigDecimal.ZERO : summary.spendUsd())));
        out.append(String.format(Locale.ROOT, "  %-20s %8s%n", "duration", batchDuration(state, now)));
        section(out, "Failed jobs by error code", state.failures());
        section(out, "Rejected requests by reason", state.rejections());
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<ReasonGroup> groups) {
        if (groups.isEmpty()) {
            return;
        }
        out.append(title).append(String.format(" (up to %d example jobs each):%n", BatchProblems.EXAMPLES));
        for (ReasonGroup group : groups) {
            out.append(String.format(Locale.ROOT, "  %6d  %s%n          %s%n", group.jobs(),
                    group.reason().isEmpty() ? "(no error code)" : group.reason(), String.join(" ", group.examples())));
        }
    }

    /** The counters' rate; until they know the batch's first job (within a fold), jobs ended since it was sent. */
    private static double jobsPerMinute(BatchState state, Instant now) {
        BatchSummary summary = state.summary().orElse(null);
        if (summary != null && summary.firstJobAt() != null || state.sentAt().isEmpty()) {
            return summary == null ? 0.0 : summary.jobsPerMinute();
        }
        double minutes = Math.max(Duration.between(state.sentAt().get(), now).toMillis(), 1) / 60_000.0;
        return Math.round(state.done() / minutes * 10) / 10.0;
    }

    /** From the first job's arrival to the last job's end (or to now while it runs); from sending while the counters lag. */
    private static String batchDuration(BatchState state, Instant now) {
        BatchSummary summary = state.summary().orElse(null);
        if (summary == null || summary.firstJobAt() == null) {
            return state.sentAt().map(sent -> duration(Duration.between(sent, now))).orElse("–");
        }
        Instant end = List.of("running", "paused", "awaiting_approval").contains(summary.state()) || summary.lastFinishedAt() == null
                ? now : summary.lastFinishedAt();
        return duration(Duration.between(summary.firstJobAt(), end));
    }

    static String duration(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
    }

    static String dollars(BigDecimal amount) {
        return "$" + amount.setScale(4, RoundingMode.HALF_UP).toPlainString();
    }
}
