package io.enhance.worker.emulator;

import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The upstream's concurrency cap ({@link EmulatorSettings#getConcurrency()}): a task holds a slot from
 * its admission until it finishes, and tasks above the cap wait, still {@code created}, in submit order.
 * Also integrates the number of busy slots over time, so a benchmark can tell what share was used.
 */
final class UpstreamSlots {

    /** Slots in use now, tasks waiting for one, and busy slots integrated over time, all on {@code nanos}. */
    record Snapshot(int concurrency, int running, int waiting, long busySlotNanos, long nanos) {
    }

    private final EmulatorSettings settings;
    private final Queue<Runnable> waiting = new ArrayDeque<>();
    private int running;
    private long busySlotNanos;
    private long lastChange = System.nanoTime();

    UpstreamSlots(EmulatorSettings settings) {
        this.settings = settings;
    }

    /** Runs {@code start} now if a slot is free, or once one frees; every admitted task must {@link #release()}. */
    void admit(Runnable start) {
        synchronized (this) {
            if (!hasFreeSlot()) {
                waiting.add(start);
                return;
            }
            account();
            running++;
        }
        start.run();
    }

    /** The task holding a slot ended: the slot goes to the oldest waiting task, if any. */
    void release() {
        Runnable next;
        synchronized (this) {
            account();
            running--;
            next = hasFreeSlot() ? waiting.poll() : null;
            if (next != null) {
                running++;
            }
        }
        if (next != null) {
            next.run();
        }
    }

    synchronized Snapshot snapshot() {
        account();
        return new Snapshot(settings.getConcurrency(), running, waiting.size(), busySlotNanos, lastChange);
    }

    private boolean hasFreeSlot() {
        int cap = settings.getConcurrency();
        return cap == 0 || running < cap;
    }

    private void account() {
        long now = System.nanoTime();
        busySlotNanos += running * (now - lastChange);
        lastChange = now;
    }
}
