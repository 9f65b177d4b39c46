package io.enhance.worker.emulator;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The account's images per minute ({@link EmulatorSettings#getImagesPerMinute()}) as a rolling window:
 * a submit is accepted only while fewer than that many were accepted in the last 60 s, else it is
 * answered 429 and creates nothing. Counts the submits it refused, for a benchmark's share of 429s.
 */
final class StartRate {

    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final EmulatorSettings settings;
    private final LongSupplier nanos;
    private final ArrayDeque<Long> accepted = new ArrayDeque<>();
    private long refused;

    StartRate(EmulatorSettings settings) {
        this(settings, System::nanoTime);
    }

    StartRate(EmulatorSettings settings, LongSupplier nanos) {
        this.settings = settings;
        this.nanos = nanos;
    }

    /** @throws ApiException 429 when the window is full */
    synchronized void accept() {
        int limit = settings.getImagesPerMinute();
        if (limit == 0) {
            accepted.clear(); // a limit set later counts from then
            return;
        }
        long now = nanos.getAsLong();
        while (!accepted.isEmpty() && now - accepted.peekFirst() >= WINDOW_NANOS) {
            accepted.pollFirst();
        }
        if (accepted.size() >= limit) {
            refused++;
            throw new ApiException(429, "Too many requests: this account may start " + limit + " images per minute");
        }
        accepted.addLast(now);
    }

    /** Submits answered 429 because the window was full. */
    synchronized long refused() {
        return refused;
    }
}
