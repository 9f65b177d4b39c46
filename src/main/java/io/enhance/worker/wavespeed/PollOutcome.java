package io.enhance.worker.wavespeed;

/** What a result GET found. */
public sealed interface PollOutcome {

    record Found(Prediction prediction) implements PollOutcome {
    }

    /** WaveSpeed does not know the prediction (never created, or deleted after 7 days). */
    record NotFound(String message) implements PollOutcome {
    }

    /** No answer worth acting on this time (network, 429, 5xx): poll again later. */
    record Unavailable(String reason) implements PollOutcome {
    }
}
