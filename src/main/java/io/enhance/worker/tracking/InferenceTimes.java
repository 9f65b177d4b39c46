package io.enhance.worker.tracking;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.wavespeed.Prediction;

/**
 * How long WaveSpeed takes from submission to a finished prediction, as it reported it ({@code executionTime},
 * else {@code timings.inference}), and when to poll a prediction from that. The estimate is a running mean
 * and mean deviation (as TCP estimates a round trip): the first poll comes at the mean plus the deviation
 * and a twentieth, so that at a steady inference time one poll finds it done; later polls come a fifth of
 * the mean apart, growing by half each time up to the longest delay between polls. Until a few predictions
 * have finished, the configured schedule applies. The worker's own poll times are never used: they would
 * feed the estimate back into itself.
 */
@ApplicationScoped
public class InferenceTimes {

    /** Finished predictions needed before the estimate is trusted. */
    static final int WARM_UP = 5;
    private static final double MEAN_GAIN = 1.0 / 8;
    private static final double DEVIATION_GAIN = 1.0 / 4;
    private static final double MARGIN = 0.05;
    private static final double LATER_STEP = 0.2;
    private static final long SHORTEST_STEP_MS = 100;

    private final Duration configuredFirst;
    private final Duration longest;
    private double meanMs;
    private double deviationMs;
    private int observed;

    @Inject
    InferenceTimes(WaveSpeedConfig config) {
        this(config.firstPollDelay(), config.maxPollDelay());
    }

    InferenceTimes(Duration configuredFirst, Duration longest) {
        this.configuredFirst = configuredFirst;
        this.longest = longest;
    }

    /** Learns from a finished prediction's reported time, if it has one. */
    public void observe(Prediction finished) {
        finished.reportedTime().ifPresent(time -> observe(time.toMillis()));
    }

    synchronized void observe(long ms) {
        if (observed++ == 0) {
            meanMs = ms;
            deviationMs = ms / 2.0;
        } else {
            deviationMs += DEVIATION_GAIN * (Math.abs(ms - meanMs) - deviationMs);
            meanMs += MEAN_GAIN * (ms - meanMs);
        }
    }

    /** From submission to the first poll. */
    public Duration firstPollDelay() {
        return pollDelay(0);
    }

    /** From a poll that found the prediction unfinished (the {@code polls}-th) to the next one. */
    public synchronized Duration pollDelay(int polls) {
        if (observed < WARM_UP) {
            double grown = configuredFirst.toMillis() * Math.pow(1.5, Math.min(polls, 30));
            // jitter, so that predictions submitted together spread out
            return Duration.ofMillis((long) (capped(grown) * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
        }
        if (polls == 0) {
            // not capped by the longest delay between polls: a 30 s model is not worth polling at 15 s
            return Duration.ofMillis((long) (meanMs * (1 + MARGIN) + deviationMs));
        }
        double step = Math.max(SHORTEST_STEP_MS, meanMs * LATER_STEP) * Math.pow(1.5, Math.min(polls - 1, 30));
        return Duration.ofMillis((long) capped(step));
    }

    private double capped(double ms) {
        return Math.min(ms, longest.toMillis());
    }
}
