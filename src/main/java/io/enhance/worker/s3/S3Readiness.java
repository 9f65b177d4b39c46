package io.enhance.worker.s3;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.enhance.worker.config.S3Config;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/** Not ready while the default output bucket cannot be reached: finished jobs would wait in DELIVERING. */
@Readiness
@ApplicationScoped
public class S3Readiness implements HealthCheck {

    /** A probe must answer quickly, whatever S3 does. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final S3Client s3;
    private final S3Config config;

    S3Readiness(S3Client s3, S3Config config) {
        this.s3 = s3;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("s3");
        if (config.bucket().isEmpty()) {
            return response.up().withData("bucket", "none configured").build();
        }
        String bucket = config.bucket().get();
        try {
            s3.headBucket(head -> head.bucket(bucket)
                    .overrideConfiguration(call -> call.apiCallTimeout(PROBE_TIMEOUT)));
            return response.up().withData("bucket", bucket).build();
        } catch (SdkException e) {
            return response.down().withData("bucket", bucket).withData("reason", String.valueOf(e.getMessage())).build();
        }
    }
}
