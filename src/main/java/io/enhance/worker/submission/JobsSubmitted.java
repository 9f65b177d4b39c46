package io.enhance.worker.submission;

import java.time.Duration;

/**
 * Submit answers were written that created predictions: the soonest of them is due for its first poll in
 * {@code untilFirstPoll}.
 */
public record JobsSubmitted(Duration untilFirstPoll) {
}
