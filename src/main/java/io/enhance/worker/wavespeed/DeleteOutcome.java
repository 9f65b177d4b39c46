package io.enhance.worker.wavespeed;

/** What a delete of predictions did. */
public sealed interface DeleteOutcome {

    /** WaveSpeed took the delete; {@code count} of the ids named were known to it. */
    record Deleted(int count) implements DeleteOutcome {
    }

    /** Refused or unanswered (network, timeout, 401, 403, 429, 5xx): nothing is known to be deleted; try again later. */
    record NotDeleted(String reason) implements DeleteOutcome {
    }
}
