package io.enhance.worker.cli;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Job ids derived from where an image sits in its batch, so that the same command run again sends the
 * same ids and the worker takes it as the same jobs. {@code NAME/<relative path>} when that is a valid
 * id, else {@code NAME/sha256-<hash of the path>-<the file name's safe characters>}. An image edited
 * since its job was sent is a new request, so it gets an id of its own: the same, followed by
 * {@code :} and the first 12 hex digits of the edited image's SHA-256.
 */
public final class JobIds {

    /** The worker's rule for {@code job_id} and {@code batch_id} (intake's {@code JobRequestParser}). */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:/-]{1,200}");
    private static final int MAX_ID = 200;
    /** Leaves room for the hashed form (about 110 characters, 123 for an edited image) within the worker's 200. */
    static final int MAX_BATCH_NAME = 80;
    private static final String HASHED = "sha256-";
    private static final int HASH_CHARS = 40;
    /** Of an edited image's SHA-256: enough to tell its versions apart. */
    private static final int VERSION_CHARS = 12;

    private JobIds() {
    }

    /** What is wrong with {@code name} as a batch name, if anything. */
    public static Optional<String> problemWithBatchName(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("--batch NAME is required");
        }
        if (name.length() > MAX_BATCH_NAME || !isValidId(name)) {
            return Optional.of("--batch '" + name + "': must be 1-" + MAX_BATCH_NAME
                    + " characters of A-Z a-z 0-9 . _ : / -, without empty, '.' or '..' segments"
                    + " and not starting or ending with '/'");
        }
        return Optional.empty();
    }

    /** The job id of the image at {@code relativePath} (segments separated by '/') in batch {@code batch}. */
    public static String of(String batch, String relativePath) {
        return withSuffix(batch, relativePath, "");
    }

    /** The job id of the image at {@code relativePath} as edited since its first job, whose content has {@code sha256}. */
    public static String ofEdited(String batch, String relativePath, String sha256) {
        return withSuffix(batch, relativePath, ":" + sha256.substring(0, VERSION_CHARS));
    }

    private static String withSuffix(String batch, String relativePath, String suffix) {
        String plain = batch + "/" + relativePath;
        if (plain.length() + suffix.length() <= MAX_ID && isValidId(plain)) {
            return plain + suffix;
        }
        String prefix = batch + "/" + HASHED + Sha256.of(relativePath.getBytes(StandardCharsets.UTF_8))
                .substring(0, HASH_CHARS) + "-";
        String name = relativePath.substring(relativePath.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        name = name.substring(Math.max(0, name.length() - (MAX_ID - prefix.length() - suffix.length())));
        return prefix + name + suffix;
    }

    /** The worker's characters and length, no leading or trailing '/', no empty, '.' or '..' segment. */
    static boolean isValidId(String id) {
        if (!ID.matcher(id).matches() || id.startsWith("/") || id.endsWith("/")) {
            return false;
        }
        for (String segment : id.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
