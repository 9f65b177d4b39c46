package io.enhance.worker.tracing;

/**
 * What a stage's span tells about the job it works on, and the context it continues: the job's intake span's.
 *
 * @param batchId null for a job outside a batch
 * @param predictionId null before the job has a task
 */
public record TracedJob(String jobId, String batchId, String predictionId, int attempt, TraceContext context) {
}
