package io.enhance.worker.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds request messages: valid by default, then bent one field at a time. */
public final class JobRequestBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();
    private final ObjectNode input = JSON.createObjectNode();

    private JobRequestBuilder(String jobId, String image) {
        root.put("job_id", jobId);
        root.set("input", input);
        input.put("image", image);
        input.put("prompt", "enhance " + jobId);
    }

    public static JobRequestBuilder job(String jobId, String image) {
        return new JobRequestBuilder(jobId, image);
    }

    public JobRequestBuilder batch(String batchId) {
        root.put("batch_id", batchId);
        return this;
    }

    public JobRequestBuilder input(String field, Object value) {
        input.set(field, JSON.valueToTree(value));
        return this;
    }

    public JobRequestBuilder withoutInput(String field) {
        input.remove(field);
        return this;
    }

    public JobRequestBuilder field(String field, Object value) {
        root.set(field, JSON.valueToTree(value));
        return this;
    }

    public JobRequestBuilder without(String field) {
        root.remove(field);
        return this;
    }

    public JobRequestBuilder output(String bucket, String keyPrefix) {
        root.set("output", JSON.createObjectNode().put("bucket", bucket).put("key_prefix", keyPrefix));
        return this;
    }

    /** The output key it names ({@code output.key}), beside whatever else {@code output} holds. */
    public JobRequestBuilder outputKey(String key) {
        ((ObjectNode) root.with("output")).put("key", key);
        return this;
    }

    public JobRequestBuilder metadata(String key, String value) {
        ((ObjectNode) root.with("metadata")).put(key, value);
        return this;
    }

    public byte[] bytes() {
        return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
