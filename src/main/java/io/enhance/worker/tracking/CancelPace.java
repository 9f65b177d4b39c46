package io.enhance.worker.tracking;

import java.time.Duration;

/**
 * Keeps this worker's delete calls at least an interval apart ({@code WAVESPEED_CANCEL_INTERVAL}): with a
 * bounded number of tasks per call, cancelling a batch of any size deletes a bounded number of tasks a second.
 * Not thread-safe: the cancel stage runs on one thread.
 */
final class CancelPace {

    private final long intervalNanos;
    private long nextAllowedNanos;
    private boolean started;

    CancelPace(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** How long from {@code nanos} (a {@link System#nanoTime()} reading) until the next call may leave; zero if it may now. */
    Duration untilAllowed(long nanos) {
        return !started || nanos - nextAllowedNanos >= 0 ? Duration.ZERO : Duration.ofNanos(nextAllowedNanos - nanos);
    }

    /** A call left at {@code nanos}. */
    void called(long nanos) {
        started = true;
        nextAllowedNanos = nanos + intervalNanos;
    }
}
