package io.enhance.worker.runtime;

/** The pipeline's stages, each run by a loop of its own that is woken as work for it arrives. */
public enum Stage {
    /** Claims queued jobs and submits them; writes the answers of submits under way. */
    SUBMIT,
    /** Polls predictions whose poll is due; writes the answers of polls under way. */
    POLL,
    /** Applies received webhook deliveries to their jobs. */
    WEBHOOKS,
    /** Deletes the upstream tasks of cancelled jobs, a bounded number at a bounded pace, and confirms how each ended. */
    CANCEL,
    /** Copies finished predictions' outputs to S3; writes the results of transfers under way. */
    DELIVER,
    /** Publishes committed outcome events. */
    RELAY
}
