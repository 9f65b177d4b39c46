package io.enhance.worker.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.enterprise.context.ApplicationScoped;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Puts a batch's images into S3, a few at a time, skipping those already there with the same size,
 * so that running the same command again uploads nothing it sent before.
 */
@ApplicationScoped
public class Uploads {

    private static final int PARALLEL = 4;
    /** A HEAD is small: a store that does not answer it in this time is not going to take the upload either. */
    private static final Duration HEAD_DEADLINE = Duration.ofSeconds(10);

    private final S3Client s3;

    Uploads(S3Client s3) {
        this.s3 = s3;
    }

    /** What an upload run did. */
    public record Result(int uploaded, int alreadyThere) {
    }

    public Result upload(List<InputImage> images) throws InterruptedException {
        List<InputImage> toSend = images.stream().filter(image -> image.upload().isPresent()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Boolean>> sent = new ArrayList<>();
            for (InputImage image : toSend) {
                sent.add(pool.submit(() -> uploadUnlessThere(image)));
            }
            int uploaded = 0;
            for (Future<Boolean> upload : sent) {
                uploaded += upload.get() ? 1 : 0;
            }
            return new Result(uploaded, toSend.size() - uploaded);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Answers whether the image had to be sent. */
    private boolean uploadUnlessThere(InputImage image) {
        if (sizeInS3(image) == image.size()) {
            return false;
        }
        s3.putObject(put -> put.bucket(image.bucket()).key(image.key()), image.upload().orElseThrow().get());
        return true;
    }

    private long sizeInS3(InputImage image) {
        try {
            return s3.headObject(head -> head.bucket(image.bucket()).key(image.key())
                    .overrideConfiguration(call -> call.apiCallTimeout(HEAD_DEADLINE))).contentLength();
        } catch (NoSuchKeyException absent) {
            return -1;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) { // a HEAD has no body, so stores answer a bare 404
                return -1;
            }
            throw e;
        }
    }
}
