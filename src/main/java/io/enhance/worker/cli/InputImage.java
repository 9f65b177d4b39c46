package io.enhance.worker.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.function.Supplier;

import software.amazon.awssdk.core.sync.RequestBody;

/**
 * One image of a batch: its path within the batch (which names its job), the S3 object the job reads,
 * and, when it is not in S3 yet, its bytes to upload there with their SHA-256 (hex), which tells an
 * edited image from the one uploaded before.
 */
public record InputImage(String relativePath, String bucket, String key, long size, Optional<Upload> upload) {

    /** Bytes to put into S3, and their SHA-256 in hex. */
    public record Upload(Supplier<RequestBody> body, String sha256) {
    }

    /** The job's {@code input.image}; the key is percent-encoded where a URI needs it, and the worker decodes it. */
    public String s3Uri() {
        try {
            return new URI("s3", bucket, "/" + key, null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not an S3 location: " + bucket + "/" + key, e);
        }
    }
}
