package io.enhance.worker.jobs;

/** Why a job failed: a stable machine-readable code and a message for people. */
public record JobError(String code, String message) {
}
