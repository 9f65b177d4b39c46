package io.enhance.worker.intake;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * A request that passed validation, with the model's defaults filled in.
 *
 * @param outputKey the key of output 0 with its format's extension, or null for the {@code key_prefix} layout
 * @param canary the first jobs of its batch to submit before the rest waits for approval, if it asks for a canary
 * @param reuse the request's {@code reuse}: null when it gives none or {@code true} (the default), else
 *        {@code off} or {@code by_url} ({@link io.enhance.worker.reuse.ReuseKeys})
 */
public record JobRequest(String jobId, String batchId, Map<String, Object> input, String outputBucket,
        String outputKeyPrefix, String outputKey, Map<String, String> metadata, int priority, Integer batchSize,
        Integer canary, String reuse) {

    /** Priorities a request may carry; higher goes first. */
    public static final int MIN_PRIORITY = -10;
    public static final int MAX_PRIORITY = 10;
    /** Largest {@code batch_size}: the number of jobs a sized batch waits for before {@code batch.completed}. */
    public static final int MAX_BATCH_SIZE = 10_000_000;

    /** Map keys sorted, so that field order in the message never changes the digest. */
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /**
     * SHA-256 (hex) of everything the job was asked to do, defaults applied: two messages with the
     * same digest are the same request however they were written. The priority, batch size and canary
     * are left out: they say when to do the work and when the batch is done, not what the work is.
     */
    public String digest() {
        Map<String, Object> canonical = new LinkedHashMap<>();
        canonical.put("job_id", jobId);
        canonical.put("batch_id", batchId);
        canonical.put("input", input);
        Map<String, Object> output = new LinkedHashMap<>(Map.of("bucket", outputBucket, "key_prefix", outputKeyPrefix));
        if (outputKey != null) { // only when given, so that the digests of earlier requests stay what they were
            output.put("key", outputKey);
        }
        canonical.put("output", output);
        canonical.put("metadata", metadata);
        if (reuse != null) { // only when given, so that the digest of every request without it stays as it was
            canonical.put("reuse", reuse);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(CANONICAL.writeValueAsBytes(canonical)));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("a validated request always serialises, and SHA-256 is part of every JDK", e);
        }
    }
}
