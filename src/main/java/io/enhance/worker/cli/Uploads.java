package io.enhance.worker.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.enterprise.context.ApplicationScoped;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Puts a batch's images into S3, a few at a time, each with its SHA-256 and the job it is sent as in the
 * object's metadata, so that running the same command again uploads nothing it sent before and sends the
 * same jobs. An image whose SHA-256 differs from the object's was edited since: it is uploaded again and
 * sent as a job of its own ({@link JobIds#ofEdited}), since it is another request. An object without a
 * SHA-256 (uploaded by an earlier version of this command) is uploaded again and keeps its path's job.
 */
@ApplicationScoped
public class Uploads {

    private static final int PARALLEL = 4;
    /** A HEAD is small: a store that does not answer it in this time is not going to take the upload either. */
    private static final Duration HEAD_DEADLINE = Duration.ofSeconds(10);
    /** Object metadata (sent as {@code x-amz-meta-...}). */
    static final String SHA256 = "sha256";
    static final String JOB_ID = "job-id";

    private final S3Client s3;

    Uploads(S3Client s3) {
        this.s3 = s3;
    }

    /**
     * What an upload run did.
     *
     * @param edited of those uploaded, the images edited since their last upload
     * @param jobIds the job each uploaded image is sent as, by relative path
     */
    public record Result(int uploaded, int alreadyThere, int edited, Map<String, String> jobIds) {

        /** The job {@code image} is sent as: the one its upload names, else its path's. */
        public String jobId(String batch, InputImage image) {
            return jobIds.getOrDefault(image.relativePath(), JobIds.of(batch, image.relativePath()));
        }
    }

    /** What became of one image: uploaded or not, edited or not, and its job. */
    private record Sent(String relativePath, boolean uploaded, boolean edited, String jobId) {
    }

    public Result upload(String batch, List<InputImage> images) throws InterruptedException {
        List<InputImage> toSend = images.stream().filter(image -> image.upload().isPresent()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Sent>> sent = new ArrayList<>();
            for (InputImage image : toSend) {
                sent.add(pool.submit(() -> uploadUnlessThere(batch, image)));
            }
            int uploaded = 0;
            int edited = 0;
            Map<String, String> jobIds = new HashMap<>();
            for (Future<Sent> upload : sent) {
                Sent one = upload.get();
                uploaded += one.uploaded() ? 1 : 0;
                edited += one.edited() ? 1 : 0;
                jobIds.put(one.relativePath(), one.jobId());
            }
            return new Result(uploaded, toSend.size() - uploaded, edited, jobIds);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private Sent uploadUnlessThere(String batch, InputImage image) {
        InputImage.Upload upload = image.upload().orElseThrow();
        String pathsJob = JobIds.of(batch, image.relativePath());
        Optional<Map<String, String>> stored = storedMetadata(image);
        if (stored.map(metadata -> upload.sha256().equals(metadata.get(SHA256))).orElse(false)) {
            return new Sent(image.relativePath(), false, false, stored.get().getOrDefault(JOB_ID, pathsJob));
        }
        boolean edited = stored.map(metadata -> metadata.containsKey(SHA256)).orElse(false);
        String jobId = edited ? JobIds.ofEdited(batch, image.relativePath(), upload.sha256()) : pathsJob;
        s3.putObject(put -> put.bucket(image.bucket()).key(image.key())
                .metadata(Map.of(SHA256, upload.sha256(), JOB_ID, jobId)), upload.body().get());
        return new Sent(image.relativePath(), true, edited, jobId);
    }

    /** The user metadata of the image's object, or nothing if there is no object yet. */
    private Optional<Map<String, String>> storedMetadata(InputImage image) {
        try {
            return Optional.of(s3.headObject(head -> head.bucket(image.bucket()).key(image.key())
                    .overrideConfiguration(call -> call.apiCallTimeout(HEAD_DEADLINE))).metadata());
        } catch (NoSuchKeyException absent) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) { // a HEAD has no body, so stores answer a bare 404
                return Optional.empty();
            }
            throw e;
        }
    }
}
