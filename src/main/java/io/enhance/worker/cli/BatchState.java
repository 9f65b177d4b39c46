package io.enhance.worker.cli;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.enhance.worker.batches.BatchSummary;
import io.enhance.worker.jobs.JobStore.ReasonGroup;

/**
 * Where a followed batch stands: its counters, and its requests the worker rejected (those never
 * became jobs, so the counters do not see them).
 *
 * @param total the jobs the batch should end with: its images, or its batch size
 * @param sentAt when this command sent the batch, if it did: the times until the counters have the batch's own
 */
public record BatchState(String batch, Optional<BatchSummary> summary, long total, List<ReasonGroup> failures,
        List<ReasonGroup> rejections, Optional<Instant> sentAt) {

    /** How a follow or a status look ends, with the command's exit code. */
    public enum Outcome {
        ALL_COMPLETED(0), NOT_ALL_COMPLETED(1), TIMED_OUT(3), NO_SUCH_BATCH(3), RUNNING(4), PUBLISHED(0);

        public final int exitCode;

        Outcome(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    public long stored() {
        return summary.map(BatchSummary::jobs).orElse(0L);
    }

    public long count(String status) {
        return summary.map(s -> s.counts().getOrDefault(status, 0L)).orElse(0L);
    }

    /** Rejected requests whose job does not exist: ended, without a job. */
    public long rejectedWithoutJob() {
        return rejections.stream().mapToLong(group -> group.jobs() - group.stored()).sum();
    }

    public long rejected() {
        return rejections.stream().mapToLong(ReasonGroup::jobs).sum();
    }

    /** Jobs ended, and requests rejected without a job. */
    public long done() {
        return summary.map(BatchSummary::ended).orElse(0L) + rejectedWithoutJob();
    }

    /** Every job stored has ended and nothing more is expected. */
    public boolean finished() {
        return done() >= total && summary.map(s -> s.ended() == s.jobs()).orElse(true);
    }

    public Outcome outcome() {
        if (!finished()) {
            return Outcome.RUNNING;
        }
        return rejected() == 0 && count("completed") == stored() ? Outcome.ALL_COMPLETED : Outcome.NOT_ALL_COMPLETED;
    }
}
