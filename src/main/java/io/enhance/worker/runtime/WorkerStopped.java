package io.enhance.worker.runtime;

/**
 * A worker was found stopped (its heartbeat went silent), just before its leases are handed back: whatever
 * it was doing ended no later than now. Observers run in the finder's thread, before the hand-back.
 */
public record WorkerStopped(String worker) {
}
