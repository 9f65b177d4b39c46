package io.enhance.worker.submission;

import java.time.Duration;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * This worker's submit POSTs that WaveSpeed answered, and how many of them it answered 429, over the
 * last five minutes: a sliding window of one-second buckets, in memory, so each worker counts its own.
 */
@ApplicationScoped
public class RecentSubmits {

    /** How far back the counts reach. */
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final int BUCKETS = (int) WINDOW.toSeconds();

    private final LongSupplier millis;
    /** The second each bucket last counted, and its counts; a bucket of a second past the window counts nothing. */
    private final long[] second = new long[BUCKETS];
    private final long[] answered = new long[BUCKETS];
    private final long[] rateLimited = new long[BUCKETS];

    @Inject
    RecentSubmits() {
        this(System::currentTimeMillis);
    }

    RecentSubmits(LongSupplier millis) {
        this.millis = millis;
    }

    /** A submit POST was answered; {@code wasRateLimited}: with 429. */
    public synchronized void answered(boolean wasRateLimited) {
        long now = millis.getAsLong() / 1000;
        int bucket = (int) (now % BUCKETS);
        if (second[bucket] != now) {
            second[bucket] = now;
            answered[bucket] = 0;
            rateLimited[bucket] = 0;
        }
        answered[bucket]++;
        if (wasRateLimited) {
            rateLimited[bucket]++;
        }
    }

    /** Submit POSTs answered within the window. */
    public long answered() {
        return sum(answered, WINDOW);
    }

    /** Submit POSTs answered 429 within the window. */
    public long rateLimited() {
        return sum(rateLimited, WINDOW);
    }

    /** Submit POSTs answered within the last {@code within} (whole seconds, at most the window). */
    long answered(Duration within) {
        return sum(answered, within);
    }

    /** Submit POSTs answered 429 within the last {@code within} (whole seconds, at most the window). */
    long rateLimited(Duration within) {
        return sum(rateLimited, within);
    }

    private synchronized long sum(long[] counts, Duration within) {
        long now = millis.getAsLong() / 1000;
        long seconds = Math.min(BUCKETS, within.toSeconds());
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (now - second[i] < seconds) {
                total += counts[i];
            }
        }
        return total;
    }
}
