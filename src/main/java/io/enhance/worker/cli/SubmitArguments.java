package io.enhance.worker.cli;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import io.enhance.worker.intake.ModelParameters;

/**
 * {@code submit <folder | s3://bucket/prefix> --batch NAME [--prompt TEXT] [--param key=value ...]
 * [--seed N] [--priority N] [--canary N] [--timeout DURATION] [--no-worker] [--no-wait] [--dry-run] [--max-cost USD]},
 * checked completely before anything is sent.
 *
 * @param folder the local folder of images, when the source is one
 * @param s3Prefix the {@code s3://bucket/prefix} of images already in S3, when the source is that
 * @param parameters model parameters besides the prompt and image, values as JSON ({@code --seed N} is {@code seed})
 * @param canary the batch's first jobs to submit before the rest waits for approve or reject
 * @param noWait publish and return, without following the batch
 * @param dryRun only print what the batch would cost ({@link CostPreview}): nothing is uploaded or published
 * @param maxCost publish nothing if the preview's cost is higher than this, in USD
 */
public record SubmitArguments(Optional<Path> folder, Optional<S3Prefix> s3Prefix, String batch, String prompt,
        Map<String, JsonNode> parameters, Optional<Integer> priority, Duration timeout, boolean noWorker,
        Optional<Integer> canary, boolean noWait, boolean dryRun, Optional<BigDecimal> maxCost) {

    public static final String USAGE = """
            Usage: submit <folder | s3://bucket/prefix> --batch NAME [--prompt TEXT] [--param key=value ...]
                          [--seed N] [--priority N] [--canary N] [--timeout DURATION] [--no-worker] [--no-wait]
                          [--dry-run] [--max-cost USD]
                   status NAME [--format csv|jsonl]
                   approve NAME | reject NAME | cancel NAME""";
    public static final String DEFAULT_PROMPT = "restore fine detail, natural colours";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m|h|d)");
    /** Named by their own options (the image is the source). */
    private static final List<String> NOT_PARAMETERS = List.of("prompt", "image");

    /** A bucket and a key prefix ({@code s3://bucket} alone means the whole bucket). */
    public record S3Prefix(String bucket, String prefix) {

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + prefix;
        }
    }

    public static SubmitArguments parse(String... args) throws UsageException {
        String source = null;
        String batch = null;
        String prompt = DEFAULT_PROMPT;
        Map<String, JsonNode> parameters = new LinkedHashMap<>();
        Integer priority = null;
        Duration timeout = DEFAULT_TIMEOUT;
        boolean noWorker = false;
        Integer canary = null;
        boolean noWait = false;
        boolean dryRun = false;
        BigDecimal maxCost = null;
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            String option = arg;
            String inline = null;
            if (arg.startsWith("--") && arg.contains("=")) {
                option = arg.substring(0, arg.indexOf('='));
                inline = arg.substring(arg.indexOf('=') + 1);
            }
            switch (option) {
                case "--batch" -> batch = value(option, inline, rest);
                case "--prompt" -> prompt = value(option, inline, rest);
                case "--param" -> parameter(value(option, inline, rest), parameters);
                case "--priority" -> priority = priority(value(option, inline, rest));
                case "--timeout" -> timeout = duration(value(option, inline, rest));
                case "--seed" -> parameter("seed=" + value(option, inline, rest), parameters);
                case "--no-worker" -> noWorker = true;
                case "--canary" -> canary = canary(value(option, inline, rest));
                case "--no-wait" -> noWait = true;
                case "--dry-run" -> dryRun = true;
                case "--max-cost" -> maxCost = usd(value(option, inline, rest));
                default -> {
                    if (arg.startsWith("--")) {
                        throw new UsageException("unknown option " + arg);
                    }
                    if (source != null) {
                        throw new UsageException("one source only, got '" + source + "' and '" + arg + "'");
                    }
                    source = arg;
                }
            }
        }
        if (source == null) {
            throw new UsageException("a folder or s3://bucket/prefix to submit is required");
        }
        Optional<String> badName = JobIds.problemWithBatchName(batch);
        if (badName.isPresent()) {
            throw new UsageException(badName.get());
        }
        if (prompt.isBlank()) {
            throw new UsageException("--prompt must not be blank");
        }
        if (source.startsWith("s3://")) {
            return new SubmitArguments(Optional.empty(), Optional.of(s3Prefix(source)), batch, prompt, parameters,
                    Optional.ofNullable(priority), timeout, noWorker, Optional.ofNullable(canary), noWait, dryRun,
                    Optional.ofNullable(maxCost));
        }
        Path folder = Path.of(source);
        if (!Files.isDirectory(folder)) {
            throw new UsageException("no such folder: " + source);
        }
        return new SubmitArguments(Optional.of(folder), Optional.empty(), batch, prompt, parameters,
                Optional.ofNullable(priority), timeout, noWorker, Optional.ofNullable(canary), noWait, dryRun,
                Optional.ofNullable(maxCost));
    }

    private static BigDecimal usd(String text) throws UsageException {
        try {
            BigDecimal usd = new BigDecimal(text);
            if (usd.signum() >= 0) {
                return usd;
            }
        } catch (NumberFormatException notANumber) {
            // refused below
        }
        throw new UsageException("--max-cost '" + text + "': expected an amount of USD such as 12.50");
    }

    private static String value(String option, String inline, List<String> rest) throws UsageException {
        if (inline != null) {
            return inline;
        }
        if (rest.isEmpty() || rest.get(0).startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return rest.remove(0);
    }

    /** {@code key=value}: the value as JSON when it parses ({@code 0.5}, {@code true}), else as a string ({@code png}). */
    private static void parameter(String keyValue, Map<String, JsonNode> parameters) throws UsageException {
        int equals = keyValue.indexOf('=');
        if (equals <= 0) {
            throw new UsageException("--param '" + keyValue + "': expected key=value");
        }
        String key = keyValue.substring(0, equals);
        if (NOT_PARAMETERS.contains(key)) {
            throw new UsageException("--param " + key + ": " + ("prompt".equals(key) ? "use --prompt" : "the image is the source"));
        }
        if (!ModelParameters.NAMES.contains(key)) {
            List<String> known = ModelParameters.NAMES.stream().filter(name -> !NOT_PARAMETERS.contains(name)).toList();
            throw new UsageException("--param " + key + ": unknown parameter; expected one of " + known);
        }
        String text = keyValue.substring(equals + 1);
        JsonNode value;
        try {
            value = JSON.readTree(text);
        } catch (JsonProcessingException notJson) {
            value = null;
        }
        parameters.put(key, value == null || value.isMissingNode() ? TextNode.valueOf(text) : value);
    }

    private static int priority(String text) throws UsageException {
        try {
            int priority = Integer.parseInt(text);
            if (priority >= -10 && priority <= 10) {
                return priority;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new UsageException("--priority '" + text + "': must be a whole number from -10 to 10");
    }

    private static int canary(String text) throws UsageException {
        try {
            int canary = Integer.parseInt(text);
            if (canary >= 1) {
                return canary;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new UsageException("--canary '" + text + "': must be a whole number of jobs, at least 1");
    }

    /** {@code 90s}, {@code 30m}, {@code 24h}, {@code 2d}, or ISO-8601 ({@code PT1H30M}). */
    static Duration duration(String text) throws UsageException {
        Matcher simple = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        try {
            Duration duration = simple.matches()
                    ? Duration.of(Long.parseLong(simple.group(1)), switch (simple.group(2)) {
                        case "s" -> ChronoUnit.SECONDS;
                        case "m" -> ChronoUnit.MINUTES;
                        case "h" -> ChronoUnit.HOURS;
                        default -> ChronoUnit.DAYS;
                    })
                    : Duration.parse(text);
            if (!duration.isNegative() && !duration.isZero()) {
                return duration;
            }
        } catch (RuntimeException unreadable) {
            // reported below
        }
        throw new UsageException("--timeout '" + text + "': expected a duration such as 90s, 30m, 24h or 2d");
    }

    private static S3Prefix s3Prefix(String source) throws UsageException {
        String path = source.substring("s3://".length());
        int slash = path.indexOf('/');
        String bucket = slash < 0 ? path : path.substring(0, slash);
        String prefix = slash < 0 ? "" : path.substring(slash + 1);
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new UsageException("'" + source + "': not a valid s3://bucket/prefix");
        }
        return new S3Prefix(bucket, prefix);
    }
}
