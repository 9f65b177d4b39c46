package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.batches.TimeOnTier;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * How long the configured tier needs for a number of paid images: submissions go out at its rate, or as fast as its
 * in-flight slots free up, whichever is slower, and the last one then takes its inference time. The inference time is
 * the average WaveSpeed reported for the jobs completed in the last day, once there are enough of them, else a default.
 */
@ApplicationScoped
public class TierTime implements TimeOnTier {

    /** Assumed until enough jobs completed in the last day to say (WaveSpeed's examples: 2.5 s to 26 s). */
    public static final Duration DEFAULT_INFERENCE = Duration.ofSeconds(10);
    /** Completed jobs with a reported inference time from which their average is used instead. */
    public static final int OBSERVED_AT_LEAST = 5;
    private static final Duration OBSERVED_OVER = Duration.ofDays(1);
    /** The average is read again at most this often: the dashboard asks every few seconds. */
    private static final Duration AVERAGE_KEPT = Duration.ofMinutes(1);

    private final TierLimits tier;
    private final JobStore store;
    private final DatabaseClock clock;
    private Inference inference;
    private Instant inferenceReadAt;

    TierTime(TierLimits tier, JobStore store, DatabaseClock clock) {
        this.tier = tier;
        this.store = store;
        this.clock = clock;
    }

    /** The inference time an estimate assumes, and whether it was observed or is the default. */
    public record Inference(Duration each, boolean observed) {
    }

    public TierLimits limits() {
        return tier;
    }

    public synchronized Inference inference() {
        Instant now = clock.now();
        if (inference == null || now.isAfter(inferenceReadAt.plus(AVERAGE_KEPT))) {
            JobStore.InferenceTimes observed = QuarkusTransaction.requiringNew()
                    .call(() -> store.inferenceSince(now.minus(OBSERVED_OVER)));
            inference = observed.jobs() >= OBSERVED_AT_LEAST
                    ? new Inference(Duration.ofMillis(Math.round(observed.averageMs())), true)
                    : new Inference(DEFAULT_INFERENCE, false);
            inferenceReadAt = now;
        }
        return inference;
    }

    /** How long {@code images} submissions and their inference take on the tier; zero for none. */
    @Override
    public Duration toFinish(long images) {
        if (images <= 0) {
            return Duration.ZERO;
        }
        Duration each = inference().each();
        double perMinuteBySlots = tier.concurrency() * 60_000.0 / Math.max(1, each.toMillis());
        double perMinute = Math.min(tier.imagesPerMinute(), perMinuteBySlots);
        return Duration.ofMillis(Math.round(images / perMinute * 60_000)).plus(each);
    }
}
