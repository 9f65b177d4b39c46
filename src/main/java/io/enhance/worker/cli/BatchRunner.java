package io.enhance.worker.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.cli.BatchState.Outcome;
import io.enhance.worker.delivery.OutputKeys;
import io.enhance.worker.runtime.DatabaseClock;

/**
 * Runs a batch from a list of images: uploads what is not in S3 yet, publishes one job per image with
 * ids derived from the paths, and follows the batch to its end. The same images under the same name
 * give the same jobs, so running it again resumes instead of starting over; an image edited since is
 * a job of its own.
 */
@ApplicationScoped
public class BatchRunner {

    private final Uploads uploads;
    private final OtherJobs otherJobs;
    private final RequestPublisher publisher;
    private final BatchFollower follower;
    private final DatabaseClock clock;

    BatchRunner(Uploads uploads, OtherJobs otherJobs, RequestPublisher publisher, BatchFollower follower, DatabaseClock clock) {
        this.uploads = uploads;
        this.otherJobs = otherJobs;
        this.publisher = publisher;
        this.follower = follower;
        this.clock = clock;
    }

    /**
     * What every job of a batch asks for besides its image.
     *
     * @param canary the batch's first jobs to submit before the rest waits for approve or reject
     */
    public record Work(String prompt, Map<String, JsonNode> parameters, Optional<Integer> priority, String source,
            Optional<Integer> canary) {
    }

    /** Sends the batch and, if {@code follow}, follows it to its end; without, returns {@link Outcome#PUBLISHED}. */
    public Outcome run(String batch, List<InputImage> images, Work work, Duration timeout, boolean follow, PrintStream out)
            throws Exception {
        Uploads.Result uploaded = uploads.upload(batch, images);
        Instant sentAt = clock.now();
        if (uploaded.uploaded() + uploaded.alreadyThere() > 0) {
            out.printf("Uploaded %d images to s3://%s/%s (%d already there%s)%n", uploaded.uploaded(), images.get(0).bucket(),
                    InputImages.uploadKey(batch, ""), uploaded.alreadyThere(),
                    uploaded.edited() == 0 ? "" : ", " + uploaded.edited() + " edited since");
        }
        List<String> jobIds = images.stream().map(image -> uploaded.jobId(batch, image)).toList();
        // counted before this run's jobs are stored, so that the follow cannot end before they are
        long others = otherJobs.count(batch, jobIds);
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            requests.add(request(batch, jobIds.get(i), images.get(i), images.size(), work));
        }
        publisher.publish(requests);
        out.printf("Published %d jobs of batch %s to queue %s%n", images.size(), batch, publisher.queue());
        work.canary().ifPresent(canary -> out.println(canary < images.size()
                ? "Canary: its first " + canary + " jobs are submitted; the rest waits for approve " + batch + " or reject " + batch
                : "No canary: --canary " + canary + " is not fewer than the batch's " + images.size() + " images"));
        if (!follow) {
            out.printf("--no-wait: not following it. See it with: status %s%n", batch);
            return Outcome.PUBLISHED;
        }
        return follower.follow(batch, images.size() + others, sentAt, timeout, out);
    }

    /** The job request for one image; everything in it but the batch size and priority is what makes it the same job. */
    static Map<String, Object> request(String batch, String jobId, InputImage image, int batchSize, Work work) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("image", image.s3Uri());
        input.put("prompt", work.prompt());
        input.putAll(work.parameters());
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("job_id", jobId);
        request.put("batch_id", batch);
        request.put("batch_size", batchSize);
        work.priority().ifPresent(priority -> request.put("priority", priority));
        // a canary of the whole batch would leave nothing to approve: the parser refuses it, so it is left out
        work.canary().filter(canary -> canary < batchSize).ifPresent(canary -> request.put("canary", canary));
        request.put("input", input);
        outputKey(batch, jobId, image).ifPresent(key -> request.put("output", Map.of("key", key)));
        request.put("metadata", Map.of("source", work.source(), "path", image.relativePath()));
        return request;
    }

    /**
     * Where the image's outputs land: {@code {batch}/{relative path}}, the folder mirrored (the worker gives the
     * key the output format's extension: {@code holiday/beach/img1.png} becomes {@code holiday/beach/img1.jpg}).
     * An image edited since its first job is a job of its own, so its outputs go beside the first ones, its
     * version (from its job id) before the extension. A path that cannot be a key (a backslash, a control
     * character, a bare number as file name, too long) keeps the job-id layout rather than being refused.
     */
    static Optional<String> outputKey(String batch, String jobId, InputImage image) {
        String key = batch + "/" + image.relativePath();
        if (!jobId.equals(JobIds.of(batch, image.relativePath()))) {
            int extension = key.lastIndexOf('.');
            key = key.substring(0, extension) + "." + jobId.substring(jobId.lastIndexOf(':') + 1) + key.substring(extension);
        }
        String named = key;
        return OutputKeys.unsafeSegments(named).or(() -> OutputKeys.problemWithNamed(named)).isPresent()
                ? Optional.empty() : Optional.of(named);
    }
}
