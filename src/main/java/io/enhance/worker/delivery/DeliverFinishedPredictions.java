package io.enhance.worker.delivery;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobMetrics;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.Rounds;
import io.enhance.worker.jobs.StoredOutput;
import io.quarkus.scheduler.Scheduled;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Copies the outputs of finished predictions into S3 under {@code {key_prefix}{job_id}/{index}.{ext}},
 * then completes the job together with its event. One file at a time per job, never a batch in memory.
 */
@ApplicationScoped
public class DeliverFinishedPredictions {

    private static final Logger LOG = Logger.getLogger(DeliverFinishedPredictions.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(5);

    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final OutputFetcher fetcher;
    private final S3Client s3;
    private final WaveSpeedConfig wavespeed;
    private final ExecutorService transfers;
    private final Rounds rounds;
    private final JobMetrics metrics;

    DeliverFinishedPredictions(JobClaims claims, JobOutcomes outcomes, OutputFetcher fetcher, S3Client s3,
            WaveSpeedConfig wavespeed, PipelineConfig pipeline, Rounds rounds, JobMetrics metrics) {
        this.rounds = rounds;
        this.metrics = metrics;
        this.claims = claims;
        this.outcomes = outcomes;
        this.fetcher = fetcher;
        this.s3 = s3;
        this.wavespeed = wavespeed;
        this.transfers = Executors.newFixedThreadPool(pipeline.deliveryThreads());
    }

    @Scheduled(every = "${pipeline.deliver-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void deliverDue() {
        rounds.repeatWhileFull(claims.batchSize(), this::deliverBatch);
    }

    private int deliverBatch() {
        List<Job> jobs = claims.claim(JobStatus.DELIVERING);
        CompletableFuture.allOf(jobs.stream()
                .map(job -> CompletableFuture.runAsync(() -> deliver(job), transfers))
                .toArray(CompletableFuture[]::new))
                .join();
        return jobs.size();
    }

    private void deliver(Job job) {
        try {
            List<StoredOutput> stored = copyOutputs(job);
            BigDecimal cost = wavespeed.pricePerImage().multiply(BigDecimal.valueOf(stored.size()));
            claims.update(job.id, JobStatus.DELIVERING, held -> outcomes.complete(held, stored, cost));
        } catch (DeliveryException e) {
            if (e.permanent) {
                claims.update(job.id, JobStatus.DELIVERING, held -> outcomes.fail(held, e.code, e.getMessage()));
            } else {
                retryLater(job, e.getMessage());
            }
        } catch (RuntimeException unexpected) {
            // never leave a claimed job to wait out its whole lease
            retryLater(job, unexpected.toString());
        }
    }

    private void retryLater(Job job, String reason) {
        LOG.warnf("Delivery of job %s failed, retrying in %s: %s", job.jobId, RETRY_DELAY, reason);
        metrics.retried(JobMetrics.Retry.DELIVERY);
        claims.update(job.id, JobStatus.DELIVERING, held -> held.retryAt(Instant.now().plus(RETRY_DELAY), Instant.now()));
    }

    private List<StoredOutput> copyOutputs(Job job) throws DeliveryException {
        if (job.predictionOutputs == null || job.predictionOutputs.isEmpty()) {
            throw DeliveryException.permanent("no_outputs", "the prediction completed without outputs");
        }
        boolean base64 = Boolean.TRUE.equals(job.input.get("enable_base64_output"));
        List<StoredOutput> stored = new ArrayList<>();
        for (int index = 0; index < job.predictionOutputs.size(); index++) {
            try (FetchedOutput output = fetcher.fetch(job.predictionOutputs.get(index), base64)) {
                stored.add(upload(job, index, output));
            } catch (java.io.IOException e) {
                LOG.debugf("Temporary file of job %s not deleted: %s", job.jobId, e);
            }
        }
        return stored;
    }

    private StoredOutput upload(Job job, int index, FetchedOutput output) throws DeliveryException {
        String key = OutputKeys.of(job.outputKeyPrefix, job.jobId, index, output.type().extension);
        try {
            s3.putObject(PutObjectRequest.builder()
                    .bucket(job.outputBucket)
                    .key(key)
                    .contentType(output.type().contentType)
                    .contentLength(output.size())
                    .metadata(Map.of("sha256", output.sha256(), "job-id", job.jobId))
                    .build(), RequestBody.fromFile(output.file()));
        } catch (NoSuchBucketException e) {
            throw DeliveryException.permanent("output_bucket_not_found", "bucket " + job.outputBucket + " does not exist");
        } catch (S3Exception e) {
            if (e.statusCode() == 403) {
                throw DeliveryException.permanent("output_bucket_forbidden",
                        "access to bucket " + job.outputBucket + " denied: " + e.awsErrorDetails().errorMessage());
            }
            throw DeliveryException.transientFailure("S3 refused the upload: " + e.getMessage(), e);
        } catch (SdkException | UncheckedIOException e) {
            // the URL-connection client lets some socket errors escape unwrapped
            throw DeliveryException.transientFailure("S3 unavailable: " + e.getMessage(), e);
        }
        return new StoredOutput(job.outputBucket, key, output.type().contentType, output.size(), output.sha256(),
                output.width(), output.height());
    }

    @PreDestroy
    void stop() {
        transfers.shutdown();
    }
}
