package io.enhance.worker.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.RetentionConfig;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.intake.JobRequestParser;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.reuse.ReuseKeys;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.submission.TierTime;
import io.quarkus.narayana.jta.QuarkusTransaction;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What a batch would cost before anything is uploaded or published: its images, those a completed job with the same
 * identity would serve at no cost (the worker's own rules, {@link ReuseKeys}), the price of the rest, and how long the
 * configured tier needs for them.
 */
@ApplicationScoped
public class CostPreview {

    private final JobRequestParser parser;
    private final JobStore store;
    private final ObjectMapper json;
    private final S3Client s3;
    private final WaveSpeedConfig wavespeed;
    private final PipelineConfig pipeline;
    private final RetentionConfig retention;
    private final TierTime tierTime;
    private final DatabaseClock clock;

    CostPreview(JobRequestParser parser, JobStore store, ObjectMapper json, S3Client s3, WaveSpeedConfig wavespeed,
            PipelineConfig pipeline, RetentionConfig retention, TierTime tierTime, DatabaseClock clock) {
        this.parser = parser;
        this.store = store;
        this.json = json;
        this.s3 = s3;
        this.wavespeed = wavespeed;
        this.pipeline = pipeline;
        this.retention = retention;
        this.tierTime = tierTime;
        this.clock = clock;
    }

    /**
     * The figures of a preview.
     *
     * @param rejected images whose request the worker would reject: they cost nothing
     * @param inferenceObserved whether {@code inference} is the average of jobs completed in the last day, or the default
     */
    public record Figures(int images, int reused, int rejected, BigDecimal costUsd, Duration inference,
            boolean inferenceObserved, Duration duration) {

        int toPay() {
            return images - reused - rejected;
        }
    }

    public Figures of(SubmitArguments arguments, List<InputImage> images) {
        Map<String, String> s3Objects = arguments.s3Prefix().map(this::etagsUnder).orElse(Map.of());
        Instant since = clock.now().minus(retention.reusableOutputs());
        int reused = 0;
        int rejected = 0;
        for (InputImage image : images) {
            JobRequestParser.Parsed parsed = parser.parse(requestOf(arguments, image));
            if (!parsed.valid()) {
                rejected++;
                continue;
            }
            Optional<String> key = sourceIdentity(image, s3Objects)
                    .flatMap(identity -> ReuseKeys.of(parsed.request().input(), identity));
            if (pipeline.reuseEnabled() && key.isPresent()
                    && QuarkusTransaction.requiringNew().call(() -> store.completedTwin(key.get(), since)).isPresent()) {
                reused++;
            }
        }
        int toPay = images.size() - reused - rejected;
        TierTime.Inference inference = tierTime.inference();
        return new Figures(images.size(), reused, rejected, wavespeed.pricePerImage().multiply(BigDecimal.valueOf(toPay)),
                inference.each(), inference.observed(), tierTime.toFinish(toPay));
    }

    public void print(Figures figures, java.io.PrintStream out) {
        out.printf("%d images: %d would be served from completed jobs at no cost, %d would be rejected, %d to pay%n",
                figures.images(), figures.reused(), figures.rejected(), figures.toPay());
        out.printf("Cost: %d x $%s = $%s%n", figures.toPay(), wavespeed.pricePerImage().toPlainString(),
                figures.costUsd().toPlainString());
        out.printf("Time on tier %s (%d images a minute, %d at once, %s s of inference each, %s): about %s%n",
                wavespeed.tier().name().toLowerCase(java.util.Locale.ROOT), tierTime.limits().imagesPerMinute(),
                tierTime.limits().concurrency(),
                BigDecimal.valueOf(figures.inference().toMillis(), 3).stripTrailingZeros().toPlainString(),
                figures.inferenceObserved() ? "the average of the last day's jobs" : "assumed: too few jobs in the last day",
                BatchReport.duration(figures.duration()));
    }

    /** The request the batch would publish for {@code image}, as the worker would read it. */
    private byte[] requestOf(SubmitArguments arguments, InputImage image) {
        BatchRunner.Work work = new BatchRunner.Work(arguments.prompt(), arguments.parameters(), arguments.priority(), "submit",
                arguments.canary());
        Map<String, Object> request = BatchRunner.request(arguments.batch(), JobIds.of(arguments.batch(), image.relativePath()),
                image, 1, work);
        try {
            return json.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a request of strings and JSON values always serialises", e);
        }
    }

    /**
     * The source's identity as the worker will see it: with uploads, the SHA-256 of the bytes; else the object's
     * ETag and size, which for a file this command will upload with one PUT is the MD5 of its bytes.
     */
    private Optional<String> sourceIdentity(InputImage image, Map<String, String> s3Objects) {
        if (image.upload().isEmpty()) {
            // in upload mode the worker hashes the bytes, which a preview of objects already in S3 does not read
            return wavespeed.uploadSources() ? Optional.empty() : Optional.ofNullable(s3Objects.get(image.key()));
        }
        InputImage.Upload upload = image.upload().get();
        return Optional.of(wavespeed.uploadSources() ? ReuseKeys.ofBytes(upload.sha256())
                : ReuseKeys.ofS3Object(md5(upload), image.size()));
    }

    private Map<String, String> etagsUnder(SubmitArguments.S3Prefix prefix) {
        Map<String, String> identities = new HashMap<>();
        for (S3Object object : s3.listObjectsV2Paginator(list -> list.bucket(prefix.bucket()).prefix(prefix.prefix())).contents()) {
            identities.put(object.key(), ReuseKeys.ofS3Object(object.eTag(), object.size()));
        }
        return identities;
    }

    private static String md5(InputImage.Upload upload) {
        try {
            return ReuseKeys.hexDigest("MD5", upload.body().get().contentStreamProvider().newStream());
        } catch (IOException e) {
            throw new UncheckedIOException("image not read", e);
        }
    }
}
