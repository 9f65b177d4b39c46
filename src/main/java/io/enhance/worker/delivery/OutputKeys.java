package io.enhance.worker.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a job's outputs go in S3: a bucket that S3 accepts by name, and keys
 * {@code {key_prefix}{job_id, "/" as "%2F"}/{index}.{jpg|png}}, or, for a request that names its
 * {@code output.key}, that key for output 0 and {@code {stem}-{n}.{ext}} for output n. Intake checks
 * both before a job is accepted, so nothing is paid for outputs that could not be stored.
 *
 * <p>Two different (key_prefix, job_id, index) never share a key: read from the right, the last
 * segment is the index, the one before it is the job id (encoded, it holds no {@code /}, and
 * {@code %} is not a job_id character, so the encoding is reversible), and the rest is the
 * prefix. That only holds if the prefix ends where a segment ends, which is why a non-empty
 * key_prefix must end with {@code /}: otherwise {@code vp/v} + {@code j} and {@code vp/} + {@code vj}
 * would both give {@code vp/vj/0.jpg}.
 *
 * <p>A named key never meets that layout: its file name is never a bare index ({@code 0}, {@code 12}),
 * while every key of the layout (and of kept candidates) ends in one. Two named keys meet only if they
 * are equal or one is the other's stem plus {@code -{n}}: intake refuses both (see {@link #parentOf}).
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
    /** The longest suffix a named key's further outputs add: up to 1,000 outputs. */
    private static final String LONGEST_FURTHER_OUTPUT = "-999";
    /** Image extensions a named key may end in; the output format's replaces it. Any other end is kept. */
    private static final Pattern IMAGE_EXTENSION = Pattern.compile("\\.(?i:jpe?g|png|webp|gif|bmp|tiff?|heic|heif|avif)$");
    /** What output n (from 1) adds to its job's stem: {@code -n}, n without leading zeros. */
    private static final Pattern FURTHER_OUTPUT = Pattern.compile("-[1-9][0-9]*$");
    /** A file name that is an output index, as in {@link #of}. */
    private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]*");

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
     * The key of a job's output {@code index}: under its named key if the request gave one (which already
     * carries the format's extension), else in the {@code key_prefix} layout with {@code extension}.
     */
    public static String ofJob(String keyPrefix, String jobId, String namedKey, int index, String extension) {
        return namedKey != null ? ofNamed(namedKey, index) : of(keyPrefix, jobId, index, extension);
    }

    /**
     * The key output 0 of a request with {@code output.key} goes to: the key with the extension of
     * {@code outputFormat} ({@code jpeg} gives {@code .jpg}, {@code png} gives {@code .png}) in place of an
     * image extension it ends in (.jpg .jpeg .png .webp .gif .bmp .tif .tiff .heic .heif .avif, any case),
     * or appended to it: {@code a/b.png} with jpeg is {@code a/b.jpg}, {@code a/b.v2} is {@code a/b.v2.jpg}.
     */
    public static String named(String key, String outputFormat) {
        return IMAGE_EXTENSION.matcher(key).replaceFirst("") + "." + extensionOf(outputFormat);
    }

    /** The key of output {@code index} of a job whose output 0 goes to {@code namedKey} (see {@link #named}). */
    public static String ofNamed(String namedKey, int index) {
        if (index == 0) {
            return namedKey;
        }
        int dot = namedKey.lastIndexOf('.');
        return namedKey.substring(0, dot) + "-" + index + namedKey.substring(dot);
    }

    /**
     * The named key whose further output {@code namedKey} could be ({@code a/b-2.jpg} is output 2 of
     * {@code a/b.jpg}), or null. Two named keys share an output key only if they are equal or one is the
     * other's parent: the number after the last {@code -} of an output key is its index.
     */
    public static String parentOf(String namedKey) {
        int dot = namedKey.lastIndexOf('.');
        String stem = namedKey.substring(0, dot);
        return FURTHER_OUTPUT.matcher(stem).find()
                ? FURTHER_OUTPUT.matcher(stem).replaceFirst("") + namedKey.substring(dot) : null;
    }

    /**
     * What every named key that may meet {@code namedKey} shares: its stem without every trailing
     * {@code -{n}}, with its extension. Equal keys and parent and child have the same family.
     */
    public static String familyOf(String namedKey) {
        String family = namedKey;
        for (String parent = parentOf(family); parent != null; parent = parentOf(family)) {
            family = parent;
        }
        return family;
    }

    /**
     * Why {@code part} could change the path it is written into, an S3 key or a URL: a leading slash,
     * a {@code .} or {@code ..} segment, a backslash or a control character.
     */
    public static Optional<String> unsafeSegments(String part) {
        if (part.startsWith("/")) {
            return Optional.of("must not start with /");
        }
        for (String segment : part.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return Optional.of("must not contain . or .. path segments");
            }
        }
        if (part.chars().anyMatch(c -> c == '\\' || Character.isISOControl(c))) {
            return Optional.of("must not contain backslashes or control characters");
        }
        return Optional.empty();
    }

    /** Why {@code key} cannot be a request's {@code output.key}, if it cannot, besides {@link #unsafeSegments}. */
    public static Optional<String> problemWithNamed(String key) {
        if (key.isEmpty() || key.endsWith("/")) {
            return Optional.of("must name a file: not empty and not ending with /");
        }
        String named = named(key, "jpeg");
        String fileName = named.substring(named.lastIndexOf('/') + 1, named.lastIndexOf('.'));
        if (fileName.isEmpty()) {
            return Optional.of("must have a file name before its extension");
        }
        if (INDEX.matcher(fileName).matches()) {
            return Optional.of("must not have a bare number as its file name (\"" + fileName
                    + "\"): {job_id}/{index}.{ext} are the keys of jobs without output.key");
        }
        String stem = named.substring(0, named.lastIndexOf('.'));
        int keyBytes = (stem + LONGEST_FURTHER_OUTPUT + ".jpg").getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes > MAX_KEY_BYTES) {
            return Optional.of("gives output keys of up to " + keyBytes + " bytes in UTF-8 ({stem}-999.{ext});"
                    + " S3 allows " + MAX_KEY_BYTES);
        }
        return Optional.empty();
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

    private static String extensionOf(String outputFormat) {
        return "png".equals(outputFormat) ? ImageType.PNG.extension : ImageType.JPEG.extension;
    }

    private static String jobSegment(String jobId) {
        return jobId.replace("/", "%2F");
    }
}
