package io.enhance.worker.delivery;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.S3Config;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.Arrivals;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.tracing.JobTraces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Copies the outputs of finished predictions into S3 under {@code {key_prefix}{job_id}/{index}.{ext}},
 * then completes the job together with its event; with {@code S3_FLAGGED_OUTPUTS=hold}, the outputs of a job
 * that WaveSpeed flagged go under {@code {key_prefix}{job_id}/flagged/} instead, and the job fails
 * {@code output_flagged}. One file at a time per job, never a batch in memory.
 * Each job is a transfer of its own that writes its own result: a round claims only as many jobs as
 * there are free transfer slots and never waits for a slow one. A job that keeps failing for reasons
 * that may pass is tried again later, ever less often, and fails at {@code PIPELINE_DELIVERY_DEADLINE}.
 */
@ApplicationScoped
public class DeliverFinishedPredictions {

    private static final Logger LOG = Logger.getLogger(DeliverFinishedPredictions.class);
    private static final Duration MIN_RETRY_DELAY = Duration.ofSeconds(2);
    private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);
    private static final AttributeKey<Long> OUTPUT_INDEX = AttributeKey.longKey("output_index");

    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final OutputFetcher fetcher;
    private final OutputUploads uploads;
    private final ImageCopies copies;
    private final WaveSpeedConfig wavespeed;
    private final PipelineConfig pipeline;
    private final S3Config s3;
    private final ExecutorService transfers;
    private final Semaphore freeTransfers;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final WorkerMetrics metrics;
    private final Wakeups wakeups;
    private final Arrivals<Transferred> transferred;
    private final JobTraces traces;

    DeliverFinishedPredictions(JobClaims claims, JobOutcomes outcomes, OutputFetcher fetcher, OutputUploads uploads,
            ImageCopies copies, WaveSpeedConfig wavespeed, PipelineConfig pipeline, S3Config s3, Rounds rounds,
            WorkerMetrics metrics, DatabaseClock clock, Wakeups wakeups, JobTraces traces) {
        this.s3 = s3;
        this.traces = traces;
        this.wakeups = wakeups;
        this.transferred = new Arrivals<>(rounds, wakeups, Stage.DELIVER);
        this.clock = clock;
        this.rounds = rounds;
        this.metrics = metrics;
        this.claims = claims;
        this.outcomes = outcomes;
        this.fetcher = fetcher;
        this.uploads = uploads;
        this.copies = copies;
        this.wavespeed = wavespeed;
        this.pipeline = pipeline;
        this.transfers = Executors.newFixedThreadPool(pipeline.deliveryThreads());
        this.freeTransfers = new Semaphore(pipeline.deliveryThreads());
    }

    /** A lease that ran out mid-transfer would let a second worker copy the same outputs. */
    void checkLeaseCoversTransfers(@Observes StartupEvent event) {
        checkLeaseCoversTransfers(pipeline.leaseDuration(), pipeline.downloadTimeout(), s3.callTimeout());
    }

    static void checkLeaseCoversTransfers(Duration lease, Duration download, Duration upload) {
        Duration transfer = download.plus(upload);
        if (lease.compareTo(transfer) <= 0) {
            throw new IllegalStateException("PIPELINE_LEASE_DURATION (" + lease
                    + ") must be longer than PIPELINE_DOWNLOAD_TIMEOUT plus S3_CALL_TIMEOUT (" + transfer + ")");
        }
    }

    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.DELIVER, this::deliverRound);
    }

    /** The sweep: predictions finished at other workers, and retries come due. */
    @Scheduled(every = "${pipeline.deliver-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void deliverDue() {
        wakeups.wake(Stage.DELIVER);
    }

    /** Writes the results of finished transfers, then starts a transfer per free slot. */
    private void deliverRound() {
        writeResults();
        rounds.repeatWhileFull(1, this::startDeliveries); // starts nothing once shutdown has begun
    }

    /** Claims a job per free transfer slot and starts them; answers 1 when every slot found a job, as more may wait. */
    private int startDeliveries() {
        int free = freeTransfers.drainPermits();
        if (free == 0) {
            return 0;
        }
        List<Job> jobs = List.of();
        try {
            jobs = claims.claim(JobStatus.DELIVERING, free);
        } finally {
            // slots that found no job, or all of them if the claim failed (the database may be away)
            freeTransfers.release(free - jobs.size());
        }
        for (Job job : jobs) {
            Consumer<Transferred> finished = transferred.expect();
            try {
                transfers.execute(() -> {
                    Transferred result;
                    try {
                        result = transfer(job);
                    } finally {
                        freeTransfers.release(); // a slot not given back would be lost for good
                    }
                    finished.accept(result);
                });
            } catch (RejectedExecutionException stopping) {
                freeTransfers.release();
                finished.accept(new Transferred(job, null, null, "the worker is stopping"));
            }
        }
        return jobs.size() == free ? 1 : 0;
    }

    /** What one transfer came to, waiting to be written with others in one transaction. */
    private record Transferred(Job job, List<StoredOutput> stored, DeliveryException failure, String retryReason) {
    }

    private Transferred transfer(Job job) {
        try {
            return new Transferred(job, copyOutputs(job), null, null);
        } catch (DeliveryException e) {
            return e.permanent ? new Transferred(job, null, e, null) : new Transferred(job, null, null, e.getMessage());
        } catch (RuntimeException | Error unexpected) {
            // never leave a claimed job to wait out its whole lease (an Error too: out of memory for one large output)
            return new Transferred(job, null, null, unexpected.toString());
        }
    }

    /** A result the database could not take is kept and written again; one never written is redone once the job's lease runs out (same keys: the copy is idempotent). */
    private void writeResults() {
        transferred.writeArrived(finished -> claims.updateAll(finished.stream().map(Transferred::job).toList(), (i, held) -> {
            Transferred result = finished.get(i);
            if (result.stored() != null && holdsForReview(held)) {
                outcomes.holdForReview(held, result.stored());
            } else if (result.stored() != null) {
                BigDecimal cost = wavespeed.pricePerImage().multiply(BigDecimal.valueOf(result.stored().size()));
                metrics.delivered(Duration.between(held.deliveringSince(), clock.now()));
                outcomes.complete(held, result.stored(), cost);
            } else if (result.failure() != null) {
                outcomes.fail(held, result.failure().code, result.failure().getMessage());
            } else {
                retryOrGiveUp(held, result.retryReason());
            }
        }).failed());
    }

    private void retryOrGiveUp(Job held, String reason) {
        Instant now = clock.now();
        Duration delivering = Duration.between(held.deliveringSince(), now);
        Duration deadline = pipeline.deliveryDeadline();
        if (delivering.compareTo(deadline) >= 0) {
            LOG.warnf("Delivery of job %s failed for %s, giving up: %s", held.jobId, delivering, reason);
            outcomes.fail(held, "delivery_deadline_exceeded",
                    "outputs not delivered within " + deadline + " (PIPELINE_DELIVERY_DEADLINE); last error: " + reason);
            return;
        }
        Duration delay = retryDelay(delivering, deadline);
        LOG.warnf("Delivery of job %s failed, retrying in %s: %s", held.jobId, delay, reason);
        metrics.retried(WorkerMetrics.Retry.DELIVERY);
        held.retryAt(now.plus(delay), now);
    }

    /** A quarter of the time spent so far, within bounds, and never past the deadline, where it gives up. */
    static Duration retryDelay(Duration delivering, Duration deadline) {
        Duration delay = delivering.dividedBy(4);
        delay = delay.compareTo(MIN_RETRY_DELAY) < 0 ? MIN_RETRY_DELAY : delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
        Duration left = deadline.minus(delivering);
        return delay.compareTo(left) > 0 ? left : delay;
    }

    /** All outputs of a job with a flagged one are held for review: one decision per job, never a partial delivery. */
    private boolean holdsForReview(Job job) {
        return s3.flaggedOutputs() == S3Config.FlaggedOutputs.HOLD && job.anyOutputFlagged();
    }

    private List<StoredOutput> copyOutputs(Job job) throws DeliveryException {
        if (job.predictionOutputs == null || job.predictionOutputs.isEmpty()) {
            throw DeliveryException.permanent("no_outputs", "the prediction completed without outputs");
        }
        boolean base64 = Boolean.TRUE.equals(job.input.get("enable_base64_output"));
        List<StoredOutput> stored = new ArrayList<>();
        for (int index = 0; index < job.predictionOutputs.size(); index++) {
            int at = index;
            try (FetchedOutput output = traced(JobTraces.DOWNLOAD, job, at, span -> fetch(job, at, base64, span))) {
                stored.add(traced(JobTraces.S3_PUT, job, at, span -> upload(job, at, output, span)));
            } catch (java.io.IOException e) {
                LOG.debugf("Temporary file of job %s not deleted: %s", job.jobId, e);
            }
        }
        return stored;
    }

    /** One output's download or upload, as the span {@code call} gets to fill in. */
    private interface TracedCall<T> {
        T run(Span call) throws DeliveryException;
    }

    /** Runs one transfer step of one output under a span of its own in the job's trace. */
    private <T> T traced(String name, Job job, int index, TracedCall<T> step) throws DeliveryException {
        Span span = traces.stage(name, SpanKind.CLIENT, job.traced());
        span.setAttribute(OUTPUT_INDEX, (long) index);
        try {
            T result = step.run(span);
            JobTraces.endWith(span, "ok");
            return result;
        } catch (DeliveryException e) {
            JobTraces.endFailed(span, e.permanent ? e.code : "retry", e);
            throw e;
        } catch (RuntimeException | Error e) {
            JobTraces.endFailed(span, "unexpected", e);
            throw e;
        }
    }

    /** An output as WaveSpeed gave it, or a kept copy in S3 of one that an operator assigned to the job. */
    private FetchedOutput fetch(Job job, int index, boolean base64, Span span) throws DeliveryException {
        String location = job.predictionOutputs.get(index);
        FetchedOutput output = !base64 && location.startsWith("s3://") ? copies.fetchKept(job, location)
                : fetcher.fetch(location, base64);
        span.setAttribute("output_size", output.size());
        return output;
    }

    private StoredOutput upload(Job job, int index, FetchedOutput output, Span span) throws DeliveryException {
        String extension = output.type().extension;
        String key = holdsForReview(job) ? OutputKeys.ofHeldForReview(job.outputKeyPrefix, job.jobId, index, extension)
                : OutputKeys.ofJob(job.outputKeyPrefix, job.jobId, job.outputKey, index, extension);
        span.setAttribute("aws.s3.bucket", job.outputBucket);
        span.setAttribute("aws.s3.key", key);
        uploads.put(job.outputBucket, key, output, job.jobId);
        return new StoredOutput(job.outputBucket, key, output.type().contentType, output.size(), output.sha256(),
                output.width(), output.height(), job.outputFlag(index));
    }

    @PreDestroy
    void stop() {
        transfers.shutdown();
    }
}
