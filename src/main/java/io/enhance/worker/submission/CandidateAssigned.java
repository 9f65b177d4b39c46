package io.enhance.worker.submission;

/** An operator gave a job a prediction found for it (fired after the commit): its kept outputs are for delivery. */
public record CandidateAssigned(String jobId) {
}
