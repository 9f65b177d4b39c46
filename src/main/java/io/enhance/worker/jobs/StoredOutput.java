package io.enhance.worker.jobs;

/** One output image as it was written to S3. */
public record StoredOutput(String bucket, String key, String contentType, long size, String sha256, int width,
        int height) {
}
