package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Where WaveSpeed's clock stands against the database clock the worker goes by, bounded by answered
 * submits: a task is created after its attempt was recorded and before its answer arrived, so its
 * {@code created_at} minus the database time lies between (created - answered) and (created - recorded).
 * The tightest bounds over recent answers say where an unanswered attempt's task can appear in the history.
 */
@ApplicationScoped
public class UpstreamClock {

    /** Samples older than this no longer count: clocks drift, and NTP steps them. */
    static final Duration SAMPLE_LIFETIME = Duration.ofMinutes(10);
    private static final int MAX_SAMPLES = 512;
    /** How far the worker's readings of the database clock may wander between two measurements of it. */
    static final Duration MAX_JITTER = Duration.ofMillis(200);

    /** Bounds of WaveSpeed's clock minus the database clock. */
    public record Offset(Duration atLeast, Duration atMost) {
    }

    private record Sample(Instant recorded, Duration atLeast, Duration atMost) {
    }

    private final Deque<Sample> samples = new ArrayDeque<>();

    /** A submit recorded at {@code recorded} was answered at {@code answered} with a task created at {@code createdAt}. */
    public synchronized void answered(Instant recorded, Instant answered, Instant createdAt) {
        if (recorded == null || answered == null || createdAt == null || answered.isBefore(recorded)) {
            return;
        }
        samples.addLast(new Sample(recorded, Duration.between(answered, createdAt), Duration.between(recorded, createdAt)));
        if (samples.size() > MAX_SAMPLES) {
            samples.removeFirst();
        }
    }

    /**
     * The offset as recent answers bound it. Bounds from fast answers can cross by the jitter of the
     * worker's own reading of the database clock (re-measured every minute); crossed by less than
     * {@link #MAX_JITTER} they still say where the offset is, crossed by more a clock was stepped and they
     * say nothing. Empty then, and without answers, so that the caller falls back to its margin.
     */
    public synchronized Optional<Offset> offset(Instant now) {
        while (!samples.isEmpty() && samples.peekFirst().recorded().isBefore(now.minus(SAMPLE_LIFETIME))) {
            samples.removeFirst();
        }
        if (samples.isEmpty()) {
            return Optional.empty();
        }
        Duration atLeast = samples.stream().map(Sample::atLeast).max(Duration::compareTo).orElseThrow();
        Duration atMost = samples.stream().map(Sample::atMost).min(Duration::compareTo).orElseThrow();
        if (atLeast.compareTo(atMost) <= 0) {
            return Optional.of(new Offset(atLeast, atMost));
        }
        return atLeast.minus(atMost).compareTo(MAX_JITTER) <= 0 ? Optional.of(new Offset(atMost, atLeast)) : Optional.empty();
    }
}
