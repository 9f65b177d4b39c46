package io.enhance.worker.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredOutput;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Images outside the delivery of a job's own outputs, read and stored the way outputs are (address
 * policy, deadline and size cap for URLs; the worker's S3 client for {@code s3://} objects): the looks
 * that settlement compares, and the kept copies of tasks that may be an undecided job's.
 */
@ApplicationScoped
public class ImageCopies {

    private static final Logger LOG = Logger.getLogger(ImageCopies.class);
    private static final String S3_SCHEME = "s3://";

    private final OutputFetcher fetcher;
    private final OutputUploads uploads;
    private final S3Client s3;

    ImageCopies(OutputFetcher fetcher, OutputUploads uploads, S3Client s3) {
        this.fetcher = fetcher;
        this.uploads = uploads;
        this.s3 = s3;
    }

    /** Bucket and key of an {@code s3://bucket/key} location, read literally (keys are not URL-encoded). */
    private static Optional<String[]> inS3(String location) {
        if (!location.startsWith(S3_SCHEME)) {
            return Optional.empty();
        }
        int slash = location.indexOf('/', S3_SCHEME.length());
        return slash < 0 ? Optional.empty()
                : Optional.of(new String[] { location.substring(S3_SCHEME.length(), slash), location.substring(slash + 1) });
    }

    /** The bytes of the JPEG or PNG at {@code location} (an http(s) URL or {@code s3://bucket/key}); empty if it cannot be had. */
    public Optional<byte[]> read(String location) {
        try (FetchedOutput image = fetch(location)) {
            return Optional.of(Files.readAllBytes(image.file()));
        } catch (DeliveryException | IOException | SdkException | IllegalArgumentException e) {
            LOG.debugf("Image not read: %s", e.toString()); // no location: it may be a presigned URL
            return Optional.empty();
        }
    }

    /**
     * Copies the outputs of task {@code predictionId} into S3 beside {@code job}'s own outputs, for an
     * operator to look at and maybe assign ({@link #fetchKept} reads them back); none when one of them
     * cannot be copied, as a partial set could not be assigned.
     */
    public List<StoredOutput> keep(Job job, String predictionId, List<String> outputs) {
        List<StoredOutput> kept = new ArrayList<>();
        for (int index = 0; index < outputs.size(); index++) {
            try (FetchedOutput output = fetcher.fetch(outputs.get(index), false)) {
                String key = OutputKeys.ofCandidate(job.outputKeyPrefix, job.jobId, predictionId, index, output.type().extension);
                uploads.put(job.outputBucket, key, output, job.jobId);
                kept.add(new StoredOutput(job.outputBucket, key, output.type().contentType, output.size(), output.sha256(),
                        output.width(), output.height(), null)); // a candidate's flag is not known here
            } catch (DeliveryException e) {
                LOG.infof("Job %s: the outputs of candidate task %s could not be kept: %s", job.jobId, predictionId,
                        e.getMessage());
                return List.of();
            } catch (IOException e) {
                LOG.debugf("Temporary file of job %s not deleted: %s", job.jobId, e);
            }
        }
        return kept;
    }

    /**
     * A kept copy of {@code job}'s: an output location that WaveSpeed wrote never reaches into S3, only one
     * under the job's own candidates key in its own bucket.
     */
    FetchedOutput fetchKept(Job job, String location) throws DeliveryException {
        Optional<String[]> object = inS3(location);
        if (object.isEmpty() || !job.outputBucket.equals(object.get()[0])
                || !object.get()[1].startsWith(OutputKeys.candidatesOf(job.outputKeyPrefix, job.jobId))) {
            throw DeliveryException.permanent("output_refused", "output names an S3 object that is not a kept copy of this job's");
        }
        return fetch(location);
    }

    /** Where a kept copy is: {@code s3://bucket/key}, the key exactly as stored (its job id's {@code %2F} included). */
    public static String location(StoredOutput kept) {
        return location(kept.bucket(), kept.key());
    }

    /** The location {@link #read} takes for an S3 object. */
    public static String location(String bucket, String key) {
        return S3_SCHEME + bucket + "/" + key;
    }

    /** An image at an http(s) URL or in S3 ({@code s3://bucket/key}), checked like any output. */
    private FetchedOutput fetch(String location) throws DeliveryException {
        Optional<String[]> object = inS3(location);
        if (object.isEmpty()) {
            return fetcher.fetch(location, false);
        }
        try (InputStream body = s3.getObject(get -> get.bucket(object.get()[0]).key(object.get()[1]));
                OutputFile file = fetcher.openFile()) {
            file.writeAll(body);
            return file.finish();
        } catch (IOException | SdkException e) {
            throw DeliveryException.transientFailure("kept image not read from S3: " + e.getMessage(), e);
        }
    }
}
