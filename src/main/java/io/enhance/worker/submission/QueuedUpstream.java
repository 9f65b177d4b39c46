package io.enhance.worker.submission;

import java.time.Duration;

/**
 * A prediction WaveSpeed still holds as {@code created}, not yet started, long after submission: the
 * account's concurrency is probably used up and tasks queue upstream (fired during the poll's transaction).
 */
public record QueuedUpstream(Duration since) {
}
