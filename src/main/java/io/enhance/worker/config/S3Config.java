package io.enhance.worker.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The S3 store that receives outputs and serves {@code s3://} sources (environment: {@code S3_*}). */
@ConfigMapping(prefix = "s3")
public interface S3Config {

    /** Endpoint of an S3-compatible store; unset means AWS S3 itself. */
    Optional<String> endpoint();

    /** Region; unset means the AWS SDK's default region chain (AWS_REGION, profile). */
    Optional<String> region();

    /** Bucket for outputs when a job names none; required outside local mode. */
    Optional<String> bucket();

    /**
     * Buckets that requests may name for outputs and {@code s3://} sources, besides {@code bucket};
     * unset means any bucket the credentials reach.
     */
    Optional<List<String>> allowedBuckets();

    /** Use path-style addressing (needed by most S3-compatible stores). */
    @WithDefault("false")
    boolean pathStyle();

    /** Access key; unset means the AWS SDK's default credentials chain. */
    Optional<String> accessKeyId();

    /** Secret key that goes with {@code access-key-id}. */
    Optional<String> secretAccessKey();

    /** Longest one S3 call may take, its retries included. */
    @WithDefault("45s")
    Duration callTimeout();

    /** Longest one attempt of an S3 call may take, and longest wait for the next bytes on its socket. */
    @WithDefault("20s")
    Duration attemptTimeout();

    /** Longest wait for a connection to S3. */
    @WithDefault("10s")
    Duration connectTimeout();

    /**
     * Outputs WaveSpeed flags as NSFW: {@code deliver} them as any other, or {@code hold} all of that job's outputs
     * under {@code {key_prefix}{job_id}/flagged/} for review and fail the job {@code output_flagged}.
     */
    @WithDefault("deliver")
    FlaggedOutputs flaggedOutputs();

    /** What becomes of a job's outputs when WaveSpeed flags any of them. */
    enum FlaggedOutputs {
        DELIVER,
        HOLD
    }

    /** Lifetime of the presigned GET URL handed to WaveSpeed for an {@code s3://} source. */
    @WithDefault("1h")
    Duration sourceUrlExpiry();
}
