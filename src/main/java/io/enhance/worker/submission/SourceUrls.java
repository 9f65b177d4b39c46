package io.enhance.worker.submission;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.config.S3Config;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.intake.SourceImage;
import io.enhance.worker.reuse.ReuseKeys;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Turns a job's stored parameters into the body WaveSpeed gets. An {@code s3://} source becomes a
 * presigned GET URL, or, with {@code WAVESPEED_UPLOAD_SOURCES=true}, the URL of a copy uploaded
 * through WaveSpeed's media API (for buckets WaveSpeed cannot reach). A missing or forbidden
 * source throws {@link SourceUnavailableException}; any other failure is worth another try.
 */
@ApplicationScoped
class SourceUrls {

    private final S3Presigner presigner;
    private final S3Client s3Client;
    private final S3Config s3;
    private final WaveSpeedConfig config;
    private final WaveSpeedClient wavespeed;

    SourceUrls(S3Presigner presigner, S3Client s3Client, S3Config s3, WaveSpeedConfig config, WaveSpeedClient wavespeed) {
        this.presigner = presigner;
        this.s3Client = s3Client;
        this.s3 = s3;
        this.config = config;
        this.wavespeed = wavespeed;
    }

    /** A body to POST, and the SHA-256 (hex) of the source's bytes where they were read to upload them. */
    record Body(Map<String, Object> body, Optional<String> sourceSha256) {
    }

    Body submissionBody(Map<String, Object> input) {
        SourceImage source = SourceImage.of((String) input.get("image"));
        if (!source.inS3()) {
            return new Body(input, Optional.empty());
        }
        Map<String, Object> body = new LinkedHashMap<>(input);
        if (!config.uploadSources()) {
            body.put("image", presigned(source));
            return new Body(body, Optional.empty());
        }
        Uploaded uploaded = uploaded(source);
        body.put("image", uploaded.url());
        return new Body(body, Optional.of(uploaded.sha256()));
    }

    private record Uploaded(String url, String sha256) {
    }

    private String presigned(SourceImage source) {
        return presigner.presignGetObject(request -> request
                .signatureDuration(s3.sourceUrlExpiry())
                .getObjectRequest(get -> get.bucket(source.bucket()).key(source.key())))
                .url().toString();
    }

    private Uploaded uploaded(SourceImage source) {
        Path copy = null;
        try {
            copy = Files.createTempFile("enhance-source-", ".img");
            Files.delete(copy); // the SDK refuses to overwrite
            GetObjectResponse object = s3Client.getObject(get -> get.bucket(source.bucket()).key(source.key()),
                    ResponseTransformer.toFile(copy));
            String filename = source.key().substring(source.key().lastIndexOf('/') + 1);
            String url = wavespeed.upload(copy, filename, object.contentType() == null ? "application/octet-stream"
                    : object.contentType()).await().atMost(config.requestTimeout().plusSeconds(1));
            return new Uploaded(url, ReuseKeys.hexDigest("SHA-256", Files.newInputStream(copy)));
        } catch (IOException e) {
            throw new UncheckedIOException("source " + source.uri() + " not copied for upload", e);
        } catch (S3Exception e) {
            throw classified(source, e);
        } finally {
            if (copy != null) {
                copy.toFile().delete();
            }
        }
    }

    /**
     * A missing ({@code NoSuchKey}, {@code NoSuchBucket}) or forbidden ({@code AccessDenied}) source, which no
     * retry will help, as a {@link SourceUnavailableException}; any other S3 error as it is, to be retried.
     */
    static RuntimeException classified(SourceImage source, S3Exception e) {
        if (e.statusCode() != 403 && e.statusCode() != 404) {
            return e;
        }
        String error = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "HTTP " + e.statusCode()
                : e.awsErrorDetails().errorCode() + " (" + e.statusCode() + ")";
        return new SourceUnavailableException("source " + source.uri() + " cannot be read: " + error, e);
    }
}
