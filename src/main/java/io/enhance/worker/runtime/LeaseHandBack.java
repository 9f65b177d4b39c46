package io.enhance.worker.runtime;

/**
 * Hands back the leases of a worker that stops or was found stopped, so that others take its jobs at once.
 * Implemented where jobs are stored: the runtime knows workers, not jobs.
 */
public interface LeaseHandBack {

    /** Makes every job leased to {@code owner} due now and unleased; returns how many there were. */
    int handBackLeases(String owner);
}
