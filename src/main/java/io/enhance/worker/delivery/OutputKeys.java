package io.enhance.worker.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a job's outputs go in S3: a bucket that S3 accepts by name, and keys
 * {@code {key_prefix}{job_id, "/" as "%2F"}/{index}.{jpg|png}}. Intake checks both before a job is
 * accepted, so nothing is paid for outputs that could not be stored.
 *
 * <p>Two different (key_prefix, job_id, index) never share a key: read from the right, the last
 * segment is the index, the one before it is the job id (encoded, it holds no {@code /}, and
 * {@code %} is not a job_id character, so the encoding is reversible), and the rest is the
 * prefix. That only holds if the prefix ends where a segment ends, which is why a non-empty
 * key_prefix must end with {@code /}: otherwise {@code vp/v} + {@code j} and {@code vp/} + {@code vj}
 * would both give {@code vp/vj/0.jpg}.
 */
public final class OutputKeys {

    /** Most UTF-8 bytes of a key_prefix. */
    public static final int MAX_PREFIX_BYTES = 512;
    /** S3's limit for a whole key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    /** S3's bucket naming rules: 3-63 of a-z 0-9 . -, a letter or digit at both ends, no "..", not an IPv4 address. */
    private static final Pattern BUCKET_NAME = Pattern.compile(
            "(?!\\d+\\.\\d+\\.\\d+\\.\\d+$)(?!.*\\.\\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    /** The longest file name a job's outputs get: up to 1,000 outputs, every extension three letters. */
    private static final String LONGEST_FILE_NAME = "/999.jpg";

    private OutputKeys() {
    }

    /** Whether S3 accepts {@code bucket} as a bucket name (S3-compatible stores may take or misread others). */
    public static boolean validBucket(String bucket) {
        return BUCKET_NAME.matcher(bucket).matches();
    }

    /** The key of output {@code index}, stored with the file extension {@code extension}. */
    public static String of(String keyPrefix, String jobId, int index, String extension) {
        return keyPrefix + jobSegment(jobId) + "/" + index + "." + extension;
    }

    /**
     * The key that keeps output {@code index} of a task that may be the job's (see {@code SettleUnknownSubmissions}),
     * beside the job's own outputs; prediction ids are letters and digits, so keys stay apart.
     */
    public static String ofCandidate(String keyPrefix, String jobId, String predictionId, int index, String extension) {
        return candidatesOf(keyPrefix, jobId) + predictionId + "/" + index + "." + extension;
    }

    /**
     * The key that holds output {@code index} of a job whose flagged outputs are kept out of its own keys for
     * review ({@code S3_FLAGGED_OUTPUTS=hold}), beside them.
     */
    public static String ofHeldForReview(String keyPrefix, String jobId, int index, String extension) {
        return keyPrefix + jobSegment(jobId) + "/flagged/" + index + "." + extension;
    }

    /** Where the kept candidates of a job's outputs start: only keys under it are ever read back for the job. */
    static String candidatesOf(String keyPrefix, String jobId) {
        return keyPrefix + jobSegment(jobId) + "/candidates/";
    }

    /** Why {@code keyPrefix} with {@code jobId} cannot name outputs, if it cannot. */
    public static Optional<String> problemWith(String keyPrefix, String jobId) {
        int prefixBytes = keyPrefix.getBytes(StandardCharsets.UTF_8).length;
        if (prefixBytes > MAX_PREFIX_BYTES) {
            return Optional.of("must be at most " + MAX_PREFIX_BYTES + " bytes in UTF-8, got " + prefixBytes);
        }
        if (!keyPrefix.isEmpty() && !keyPrefix.endsWith("/")) {
            return Optional.of("must be empty or end with / (outputs go to {key_prefix}{job_id}/{index}.{ext})");
        }
        int keyBytes = (keyPrefix + jobSegment(jobId) + LONGEST_FILE_NAME).getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes > MAX_KEY_BYTES) {
            return Optional.of("with this job_id gives output keys of up to " + keyBytes
                    + " bytes in UTF-8; S3 allows " + MAX_KEY_BYTES);
        }
        return Optional.empty();
    }

    private static String jobSegment(String jobId) {
        return jobId.replace("/", "%2F");
    }
}
