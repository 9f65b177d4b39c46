package io.enhance.worker.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One output image as it was written to S3, with WaveSpeed's NSFW flag for it: true or false as reported,
 * null when WaveSpeed reported none for it (and for outputs stored before the flag was kept).
 */
public record StoredOutput(String bucket, String key, String contentType, long size, String sha256, int width,
        int height, @JsonProperty("has_nsfw_contents") Boolean hasNsfwContents) {

    /** WaveSpeed flagged this output as NSFW. */
    public boolean flagged() {
        return Boolean.TRUE.equals(hasNsfwContents);
    }
}
