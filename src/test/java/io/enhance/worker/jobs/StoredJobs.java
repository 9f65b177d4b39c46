package io.enhance.worker.jobs;

import java.time.Instant;
import java.util.Map;

/**
 * Jobs written straight into the store for tests that start a job mid-life: queued as intake stores
 * them (intake itself writes them with one statement per batch), within the caller's transaction.
 */
public final class StoredJobs {

    private StoredJobs() {
    }

    /** A new job, queued for submission at {@code now}, with its first transition. */
    public static Job queued(String jobId, String batchId, Map<String, Object> input, String outputBucket,
            String outputKeyPrefix, Map<String, String> metadata, String requestDigest, Instant now) {
        Job job = new Job();
        job.requestDigest = requestDigest;
        job.jobId = jobId;
        job.batchId = batchId;
        job.input = input;
        job.outputBucket = outputBucket;
        job.outputKeyPrefix = outputKeyPrefix;
        job.metadata = metadata;
        job.status = JobStatus.QUEUED;
        job.dueAt = now;
        job.createdAt = now;
        job.updatedAt = now;
        job.persist();
        JobTransition.of(job, null, JobStatus.QUEUED, now, null).persist();
        return job;
    }

    /** Ends {@code job} as failed, as {@link JobOutcomes} would, without its outcome event. */
    public static void failed(Job job, JobError error, Instant now) {
        job.failed(error, now);
    }

    /** Ends {@code job} as failed when its attempt provably created nothing, without its outcome event. */
    public static void failedBeforeAnyTask(Job job, JobError error, Instant now) {
        job.failedBeforeAnyTask(error, now);
    }

    /** Ends {@code job} as cancelled, without its outcome event. */
    public static void cancelled(Job job, Instant now, String detail) {
        job.cancelled(now, detail);
    }
}
