package io.enhance.worker.intake;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.config.S3Config;
import io.enhance.worker.delivery.OutputKeys;
import io.enhance.worker.network.AddressPolicy;
import io.enhance.worker.reuse.ReuseKeys;

/** Turns a raw request message into a {@link JobRequest}, or into the full list of what is wrong with it. */
@ApplicationScoped
public class JobRequestParser {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:/-]{1,200}");
    private static final Set<String> FIELDS = Set.of("job_id", "batch_id", "batch_size", "canary", "priority", "input",
            "output", "metadata", "reuse");
    private static final Set<String> OUTPUT_FIELDS = Set.of("bucket", "key_prefix", "key");

    /**
     * The outcome of parsing: a request, or problems (with whatever ids could still be read).
     *
     * @param batchId the batch_id if it is valid, also when other fields are not
     * @param batchSize the batch_size if it and the batch_id are valid
     */
    public record Parsed(JobRequest request, String jobId, String batchId, Integer batchSize, List<RequestProblem> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    private final ObjectMapper json;
    private final S3Config s3;
    private final QueuesConfig queues;
    private final AddressPolicy sourceAddresses;

    JobRequestParser(ObjectMapper json, S3Config s3, QueuesConfig queues, PipelineConfig pipeline) {
        this.json = json;
        this.s3 = s3;
        this.queues = queues;
        this.sourceAddresses = AddressPolicy.forSources(pipeline);
    }

    public Parsed parse(byte[] body) {
        if (body.length > queues.maxMessageBytes()) {
            return invalid(new RequestProblem("$", "message is " + body.length + " bytes; the limit is "
                    + queues.maxMessageBytes()));
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            return invalid(new RequestProblem("$", "not valid JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            return invalid(new RequestProblem("$", "not readable: " + e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            return invalid(new RequestProblem("$", "must be a JSON object"));
        }
        List<RequestProblem> problems = new ArrayList<>();
        findNulCharacters(root, "", problems);
        root.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                problems.add(new RequestProblem(name, "unknown field; expected one of " + FIELDS));
            }
        });
        String jobId = identifier(root, "job_id", true, problems);
        if (jobId != null) {
            unsafeKeyPart(jobId).ifPresent(why -> problems.add(new RequestProblem("job_id", why)));
        }
        String batchId = identifier(root, "batch_id", false, problems);
        if (batchId != null) {
            Optional<String> unsafe = OutputKeys.unsafeSegments(batchId).map(why -> why + " (it is written into the API's paths)");
            unsafe.ifPresent(why -> problems.add(new RequestProblem("batch_id", why)));
            // an id that could change a route counts toward no batch and is named in no event
            batchId = unsafe.isPresent() ? null : batchId;
        }

        Map<String, Object> input = Map.of();
        JsonNode inputNode = root.get("input");
        if (inputNode == null || inputNode.isNull()) {
            problems.add(new RequestProblem("input", "is required"));
        } else if (!inputNode.isObject()) {
            problems.add(new RequestProblem("input", "must be an object"));
        } else {
            input = ModelParameters.validate(inputNode, problems);
            unlistedSourceBucket(input).ifPresent(problems::add);
            unreachableSource(input).ifPresent(problems::add);
        }

        String bucket = s3.bucket().orElse(null);
        String keyPrefix = "";
        String outputKey = null;
        JsonNode output = root.get("output");
        if (output != null && !output.isNull()) {
            if (!output.isObject()) {
                problems.add(new RequestProblem("output", "must be an object"));
            } else {
                output.fieldNames().forEachRemaining(name -> {
                    if (!OUTPUT_FIELDS.contains(name)) {
                        problems.add(new RequestProblem("output." + name, "unknown field; expected one of " + OUTPUT_FIELDS));
                    }
                });
                bucket = textOr(output, "bucket", bucket, problems);
                keyPrefix = textOr(output, "key_prefix", keyPrefix, problems);
                unsafeKeyPart(keyPrefix).ifPresent(why -> problems.add(new RequestProblem("output.key_prefix", why)));
                outputKey = namedKey(output, input, problems);
            }
        }
        // the prefix is checked with the job id, because their sum must fit S3's key limit
        OutputKeys.problemWith(keyPrefix, jobId == null ? "" : jobId)
                .ifPresent(why -> problems.add(new RequestProblem("output.key_prefix", why)));
        if (bucket == null) {
            problems.add(new RequestProblem("output.bucket", "is required because no default bucket (S3_BUCKET) is set"));
        } else if (!OutputKeys.validBucket(bucket)) {
            problems.add(new RequestProblem("output.bucket", "is not a valid S3 bucket name: \"" + bucket + "\""));
        } else if (!allowedBucket(bucket)) {
            problems.add(new RequestProblem("output.bucket", "\"" + bucket + "\" is not a bucket this worker may use"
                    + " (S3_ALLOWED_BUCKETS)"));
        }

        Map<String, String> metadata = metadata(root.get("metadata"), problems);
        int priority = priority(root.get("priority"), problems);
        Integer batchSize = batchSize(root.get("batch_size"), root.hasNonNull("batch_id"), problems);
        Integer sizeOfBatch = batchId == null ? null : batchSize;
        Integer canary = canary(root.get("canary"), root.hasNonNull("batch_id"), batchSize, problems);
        String reuse = reuse(root.get("reuse"), problems);
        if (!problems.isEmpty()) {
            return new Parsed(null, jobId, batchId, sizeOfBatch, problems);
        }
        return new Parsed(new JobRequest(jobId, batchId, input, bucket, keyPrefix, outputKey, metadata, priority, sizeOfBatch,
                batchId == null ? null : canary, reuse), jobId, batchId, sizeOfBatch, List.of());
    }

    /**
     * The key output 0 goes to, with the output format's extension ({@link OutputKeys#named}), or null
     * when the request names none. It is the whole key: a key_prefix beside it is refused, not prepended.
     */
    private static String namedKey(JsonNode output, Map<String, Object> input, List<RequestProblem> problems) {
        if (!output.hasNonNull("key")) {
            return null;
        }
        String key = textOr(output, "key", null, problems);
        if (key == null) {
            return null;
        }
        if (output.hasNonNull("key_prefix")) {
            problems.add(new RequestProblem("output.key", "is the whole key: give output.key or output.key_prefix, not both"));
        }
        Optional<String> problem = unsafeKeyPart(key).or(() -> OutputKeys.problemWithNamed(key));
        problem.ifPresent(why -> problems.add(new RequestProblem("output.key", why)));
        return problem.isPresent() ? null : OutputKeys.named(key, String.valueOf(input.get("output_format")));
    }

    /** Any publisher could otherwise have the worker read any bucket its credentials reach. */
    private Optional<RequestProblem> unlistedSourceBucket(Map<String, Object> input) {
        if (!(input.get("image") instanceof String image) || SourceImage.problemWith(image).isPresent()) {
            return Optional.empty();
        }
        SourceImage source = SourceImage.of(image);
        if (!source.inS3() || allowedBucket(source.bucket())) {
            return Optional.empty();
        }
        return Optional.of(new RequestProblem("input.image", "bucket \"" + source.bucket()
                + "\" is not a bucket this worker may use (S3_ALLOWED_BUCKETS)"));
    }

    /**
     * WaveSpeed, outside, cannot fetch a source inside the worker's network, yet charges for trying. Judged
     * by the host's spelling only: DNS is slow and may answer otherwise later, so names are resolved (and
     * the source asked whether it answers) just before the job is paid for.
     */
    private Optional<RequestProblem> unreachableSource(Map<String, Object> input) {
        if (!(input.get("image") instanceof String image) || SourceImage.problemWith(image).isPresent()) {
            return Optional.empty();
        }
        SourceImage source = SourceImage.of(image);
        return source.inS3() ? Optional.empty()
                : sourceAddresses.refusalByName(source.uri().getHost()).map(why -> new RequestProblem("input.image", why));
    }

    /** Without S3_ALLOWED_BUCKETS every bucket is; with it, those listed and the default S3_BUCKET. */
    private boolean allowedBucket(String bucket) {
        return s3.allowedBuckets()
                .map(allowed -> allowed.stream().anyMatch(name -> name.trim().equals(bucket))
                        || s3.bucket().filter(bucket::equals).isPresent())
                .orElse(true);
    }

    /** Why {@code part} may not go into an S3 key (see {@link OutputKeys}), if it may not. */
    private static Optional<String> unsafeKeyPart(String part) {
        return OutputKeys.unsafeSegments(part).map(why -> why + " (it becomes part of the S3 key)");
    }

    /** PostgreSQL cannot store U+0000 in text or JSON, so a message carrying one could never be stored. */
    private static void findNulCharacters(JsonNode node, String path, List<RequestProblem> problems) {
        if (node.isTextual() && node.asText().indexOf('\0') >= 0) {
            problems.add(new RequestProblem(path.isEmpty() ? "$" : path, "must not contain the NUL character (\\u0000)"));
        }
        node.fields().forEachRemaining(field -> {
            if (field.getKey().indexOf('\0') >= 0) {
                problems.add(new RequestProblem(path.isEmpty() ? "$" : path, "field names must not contain the NUL character"));
            }
            findNulCharacters(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey(), problems);
        });
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            findNulCharacters(node.get(i), path + "[" + i + "]", problems);
        }
    }

    /** A message refused before any of its fields could be read. */
    private static Parsed invalid(RequestProblem problem) {
        return new Parsed(null, null, null, null, List.of(problem));
    }

    private static String identifier(JsonNode root, String name, boolean required, List<RequestProblem> problems) {
        JsonNode value = root.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                problems.add(new RequestProblem(name, "is required"));
            }
            return null;
        }
        if (!value.isTextual() || !ID.matcher(value.asText()).matches()) {
            problems.add(new RequestProblem(name, "must be 1-200 characters of A-Z a-z 0-9 . _ : / -"));
            return null;
        }
        return value.asText();
    }

    private static String textOr(JsonNode node, String name, String fallback, List<RequestProblem> problems) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            problems.add(new RequestProblem("output." + name, "must be a string"));
            return fallback;
        }
        return value.asText();
    }

    private static Map<String, String> metadata(JsonNode node, List<RequestProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(new RequestProblem("metadata", "must be an object of strings"));
            return null;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> {
            if (entry.getValue().isTextual()) {
                metadata.put(entry.getKey(), entry.getValue().asText());
            } else {
                problems.add(new RequestProblem("metadata." + entry.getKey(), "must be a string"));
            }
        });
        return metadata;
    }

    private static int priority(JsonNode node, List<RequestProblem> problems) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < JobRequest.MIN_PRIORITY
                || node.asInt() > JobRequest.MAX_PRIORITY) {
            problems.add(new RequestProblem("priority", "must be a whole number from " + JobRequest.MIN_PRIORITY + " to "
                    + JobRequest.MAX_PRIORITY + " (higher goes first)"));
            return 0;
        }
        return node.asInt();
    }

    /** {@code true} (the default, kept as null), {@code false} ({@code off}) or {@code "by_url"}. */
    private static String reuse(JsonNode node, List<RequestProblem> problems) {
        if (node == null || node.isNull() || node.isBoolean() && node.asBoolean()) {
            return null;
        }
        if (node.isBoolean()) {
            return ReuseKeys.OFF;
        }
        if (node.isTextual() && ReuseKeys.BY_URL.equals(node.asText())) {
            return ReuseKeys.BY_URL;
        }
        problems.add(new RequestProblem("reuse", "must be true, false or \"" + ReuseKeys.BY_URL + "\" (an http(s) source's "
                + "content never changes), got " + node));
        return null;
    }

    private static Integer batchSize(JsonNode node, boolean namesBatch, List<RequestProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1
                || node.asInt() > JobRequest.MAX_BATCH_SIZE) {
            problems.add(new RequestProblem("batch_size", "must be a whole number from 1 to " + JobRequest.MAX_BATCH_SIZE));
            return null;
        }
        if (!namesBatch) {
            problems.add(new RequestProblem("batch_size", "needs a batch_id: it is the number of jobs in that batch"));
            return null;
        }
        return node.asInt();
    }

    /** The batch's canary: how many of its first jobs are submitted before the rest waits for approval. */
    private static Integer canary(JsonNode node, boolean namesBatch, Integer batchSize, List<RequestProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1
                || node.asInt() > JobRequest.MAX_BATCH_SIZE) {
            problems.add(new RequestProblem("canary", "must be a whole number from 1 to " + JobRequest.MAX_BATCH_SIZE
                    + ": the jobs submitted before the rest of the batch waits for approval"));
            return null;
        }
        if (!namesBatch) {
            problems.add(new RequestProblem("canary", "needs a batch_id: it is the first jobs of that batch"));
            return null;
        }
        if (batchSize != null && node.asInt() >= batchSize) {
            problems.add(new RequestProblem("canary", "must be smaller than batch_size (" + batchSize
                    + "), or no job would be left to approve"));
            return null;
        }
        return node.asInt();
    }
}
