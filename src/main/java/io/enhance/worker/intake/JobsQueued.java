package io.enhance.worker.intake;

/**
 * Fired (synchronously, after the commit, with no transaction open) when intake has stored
 * {@code count} new jobs, so that the submission stage can take them at once instead of at its next round.
 */
public record JobsQueued(int count) {
}
