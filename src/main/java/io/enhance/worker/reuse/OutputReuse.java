package io.enhance.worker.reuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.RetentionConfig;
import io.enhance.worker.delivery.OutputKeys;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Serves a job with the stored outputs of a completed job that asked for exactly the same ({@link ReuseKeys}):
 * each output is copied inside S3 ({@code CopyObject}, on the S3 client's deadline) to this job's own key, and
 * the copy is checked to hold the very bytes the earlier job stored. Nothing is paid.
 */
@ApplicationScoped
public class OutputReuse {

    private final JobStore store;
    private final S3Client s3;
    private final PipelineConfig pipeline;
    private final RetentionConfig retention;
    private final DatabaseClock clock;

    OutputReuse(JobStore store, S3Client s3, PipelineConfig pipeline, RetentionConfig retention, DatabaseClock clock) {
        this.store = store;
        this.s3 = s3;
        this.pipeline = pipeline;
        this.retention = retention;
        this.clock = clock;
    }

    /** What a job's source is known to be, as the submission stage learnt it before paying. */
    public record SourceIdentity(Optional<String> contentSha256, Optional<String> s3Object) {
    }

    /**
     * The job's key, if its request can ever be served alike: a fixed seed and a source whose content is known
     * (its bytes' SHA-256 where the worker read them, else an {@code s3://} object's ETag and size), or an http(s)
     * URL under {@code reuse: "by_url"}.
     */
    public Optional<String> keyOf(Job job, SourceIdentity source) {
        String image = (String) job.input.get("image");
        Optional<String> identity = source.contentSha256().map(ReuseKeys::ofBytes).or(source::s3Object)
                .or(() -> ReuseKeys.BY_URL.equals(job.reuseMode) ? Optional.of(ReuseKeys.ofUrl(image)) : Optional.empty());
        return identity.flatMap(known -> ReuseKeys.of(job.input, known));
    }

    /** A completed job within the reuse window with the same key, unless reuse is off for the worker or the job. */
    public Optional<JobStore.CompletedTwin> twinOf(Job job, String reuseKey) {
        if (!pipeline.reuseEnabled() || ReuseKeys.OFF.equals(job.reuseMode)) {
            return Optional.empty();
        }
        return QuarkusTransaction.requiringNew().call(() ->
                store.completedTwin(reuseKey, clock.now().minus(retention.reusableOutputs())));
    }

    /**
     * The twin's outputs cannot serve the job: gone from S3, not as the twin stored them, or refused for good (a
     * 4xx such as a bucket policy that forbids the copy). The job pays for a task of its own.
     */
    public static final class TwinGone extends Exception {
        TwinGone(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Copies the twin's outputs to {@code job}'s keys and returns them as stored for the job.
     *
     * @throws TwinGone when an output is missing, is not what the twin stored, or S3 refuses the copy for good
     * @throws software.amazon.awssdk.core.exception.SdkException for any other failure (5xx, 429, network), which may pass
     */
    public List<StoredOutput> copy(JobStore.CompletedTwin twin, Job job) throws TwinGone {
        List<StoredOutput> copied = new ArrayList<>();
        for (int index = 0; index < twin.outputs().size(); index++) {
            StoredOutput from = twin.outputs().get(index);
            HeadObjectResponse source = head(from.bucket(), from.key())
                    .orElseThrow(() -> new TwinGone("output " + from.key() + " of job " + twin.jobId() + " is gone"));
            if (!sameBytes(source, from)) {
                throw new TwinGone("output " + from.key() + " of job " + twin.jobId() + " was changed since it was stored");
            }
            String extension = from.key().substring(from.key().lastIndexOf('.') + 1);
            String key = OutputKeys.ofJob(job.outputKeyPrefix, job.jobId, job.outputKey, index, extension);
            try {
                s3.copyObject(request -> request.sourceBucket(from.bucket()).sourceKey(from.key())
                        .copySourceIfMatch(source.eTag()) // the very object checked above (else 412), or nothing
                        .destinationBucket(job.outputBucket).destinationKey(key)
                        .metadataDirective(MetadataDirective.REPLACE).contentType(from.contentType())
                        .metadata(Map.of("sha256", from.sha256(), "job-id", job.jobId, "reused-from", twin.jobId())));
            } catch (S3Exception e) {
                throw refusedForGood(e, "copy of output " + from.key() + " of job " + twin.jobId());
            }
            HeadObjectResponse copy = head(job.outputBucket, key)
                    .orElseThrow(() -> new TwinGone("the copy " + key + " is not there"));
            if (!sameBytes(copy, from) || !Objects.equals(copy.eTag(), source.eTag())) {
                throw new TwinGone("the copy " + key + " differs from output " + from.key() + " of job " + twin.jobId());
            }
            copied.add(new StoredOutput(job.outputBucket, key, from.contentType(), from.size(), from.sha256(), from.width(),
                    from.height(), from.hasNsfwContents()));
        }
        return copied;
    }

    /** Same size and the SHA-256 it was stored with (the worker writes it into each output's metadata). */
    private static boolean sameBytes(HeadObjectResponse object, StoredOutput stored) {
        return object.contentLength() != null && object.contentLength() == stored.size()
                && stored.sha256().equals(object.metadata().get("sha256"));
    }

    private Optional<HeadObjectResponse> head(String bucket, String key) throws TwinGone {
        try {
            return Optional.of(s3.headObject(request -> request.bucket(bucket).key(key)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw refusedForGood(e, "HeadObject of " + key);
        }
    }

    /** A 4xx but 408 and 429 is S3's last word: the job pays instead; anything else may pass and is thrown as it is. */
    private static TwinGone refusedForGood(S3Exception e, String what) {
        int status = e.statusCode();
        if (status >= 400 && status < 500 && status != 408 && status != 429 && !e.isThrottlingException()) {
            return new TwinGone(what + " refused (HTTP " + status + ")");
        }
        throw e;
    }
}
