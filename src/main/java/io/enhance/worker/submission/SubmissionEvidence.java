package io.enhance.worker.submission;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.intake.SourceImage;
import io.enhance.worker.wavespeed.History;

/**
 * What a submit attempt is remembered by, and what WaveSpeed's history says it did when its answer
 * never arrived. Only a listed request equal to the attempt's in every field, on a task no job owns,
 * is the attempt's task; a complete listing with no unowned task at all proves that nothing was
 * created. WaveSpeed documents no request in its history, so without one, the only unowned task may be
 * adopted by elimination, and only where the caller has made sure nothing else could have created it.
 */
final class SubmissionEvidence {

    /** The history's verdict on one attempt. */
    sealed interface Verdict {

        /** {@code how} says how it was recognised, for the job's transition record. */
        record Created(String predictionId, String how) implements Verdict {
        }

        record NotCreated() implements Verdict {
        }

        /** Nothing proves either way: wait for a webhook or a clearer history, never adopt or resubmit on it. */
        record Undecided(String why) implements Verdict {
        }
    }

    static final String FOUND_BY_REQUEST = "found in WaveSpeed's history:";
    static final String FOUND_BY_ELIMINATION = "found in WaveSpeed's history by elimination (exclusive API key):";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** WaveSpeed may list the seed it drew in place of "random". */
    private static final int RANDOM_SEED = -1;
    /** A number sent as a double may come back through a float: 0.8 listed as 0.800000011920929 (float's 24-bit significand). */
    private static final double FLOAT_ROUND_TRIP = 1e-7;
    private static final String SIGNATURE_PARAMETER = "x-amz-";

    /** How a listed request compares with the attempt's. */
    private enum Match {
        /** Every sent field is listed and equal. */
        SAME,
        /** A listed field differs: another request's task. */
        DIFFERENT,
        /** Nothing differs, but not everything is listed: it may or may not be ours. */
        UNKNOWN
    }

    private SubmissionEvidence() {
    }

    /**
     * The body as it is remembered. The URL the worker made of an {@code s3://} source (presigned, or
     * uploaded) loses its signature ({@code X-Amz-*} parameters), which changes with every attempt;
     * any other URL is kept whole, because its query may be what tells two images apart.
     */
    static Map<String, Object> remembered(Map<String, Object> body, boolean sourceFromS3) {
        Map<String, Object> remembered = new LinkedHashMap<>(body);
        if (sourceFromS3) {
            remembered.computeIfPresent("image", (name, url) -> withoutSignature(url.toString()));
        }
        return remembered;
    }

    /** Whether the worker turns the job's source into a URL itself (an {@code s3://} source). */
    static boolean sourceFromS3(Map<String, Object> input) {
        return SourceImage.of((String) input.get("image")).inS3();
    }

    /** SHA-256 of the remembered body's canonical JSON: equal for jobs that ask for the same thing. */
    static String fingerprint(Map<String, Object> remembered) {
        try {
            byte[] canonical = JSON.writeValueAsString(new TreeMap<>(remembered)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("request cannot be fingerprinted", e);
        }
    }

    /**
     * @param eliminationAllowed the API key is the worker's alone and no other attempt could be listed
     *        in this window unowned: then a single unowned task can only be this attempt's
     */
    static Verdict judge(Map<String, Object> remembered, boolean sourceFromS3, History history,
            Set<String> ownedByJobs, boolean eliminationAllowed) {
        List<History.Entry> unknown = new ArrayList<>();
        for (History.Entry entry : history.entries()) {
            if (ownedByJobs.contains(entry.id())) {
                continue;
            }
            switch (compare(remembered, sourceFromS3, entry)) {
                case SAME -> {
                    return new Verdict.Created(entry.id(), FOUND_BY_REQUEST);
                }
                case UNKNOWN -> unknown.add(entry);
                case DIFFERENT -> {
                    // another request's task
                }
            }
        }
        if (!history.complete()) {
            return new Verdict.Undecided("WaveSpeed's history for that time is too long to search to the end");
        }
        if (unknown.isEmpty()) {
            return new Verdict.NotCreated();
        }
        if (eliminationAllowed && unknown.size() == 1) {
            return new Verdict.Created(unknown.get(0).id(), FOUND_BY_ELIMINATION);
        }
        return new Verdict.Undecided(unknown.size() + " unowned prediction(s) in WaveSpeed's history for that time "
                + "do not show their full request, and could be this attempt's");
    }

    /** Every sent field must be listed and equal; a drawn seed stands in for a random one. */
    private static Match compare(Map<String, Object> remembered, boolean sourceFromS3, History.Entry entry) {
        if (entry.input().isEmpty()) {
            return Match.UNKNOWN;
        }
        JsonNode input = entry.input().get();
        boolean missing = false;
        for (Map.Entry<String, Object> field : remembered.entrySet()) {
            JsonNode listed = input.get(field.getKey());
            Object sent = field.getValue();
            if (listed == null || listed.isNull()) {
                missing = true;
            } else if (!(field.getKey().equals("seed") && sent instanceof Number seed && seed.intValue() == RANDOM_SEED)
                    && !equal(field.getKey(), sent, listed, sourceFromS3)) {
                return Match.DIFFERENT;
            }
        }
        return missing ? Match.UNKNOWN : Match.SAME;
    }

    private static boolean equal(String name, Object sent, JsonNode listed, boolean sourceFromS3) {
        if (sent instanceof Number number) {
            return listed.isNumber() && sameNumber(number, listed);
        }
        if (sent instanceof Boolean flag) {
            return listed.isBoolean() && listed.booleanValue() == flag;
        }
        String text = String.valueOf(sent);
        String shown = name.equals("image") && sourceFromS3 ? withoutSignature(listed.asText()) : listed.asText();
        return listed.isTextual() && shown.equals(text);
    }

    /** Equal in value; a fraction also when it differs only by a float's rounding (integers, such as seeds, exactly). */
    private static boolean sameNumber(Number sent, JsonNode listed) {
        BigDecimal exact = new BigDecimal(sent.toString());
        if (exact.compareTo(listed.decimalValue()) == 0) {
            return true;
        }
        if (sent instanceof Integer || sent instanceof Long || sent instanceof BigInteger) {
            return false;
        }
        double a = exact.doubleValue();
        double b = listed.doubleValue();
        return Math.abs(a - b) <= FLOAT_ROUND_TRIP * Math.max(Math.abs(a), Math.abs(b));
    }

    /** The URL without its {@code X-Amz-*} query parameters, the part of a presigned URL that changes per signing. */
    static String withoutSignature(String url) {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        String kept = Arrays.stream(url.substring(query + 1).split("&"))
                .filter(parameter -> !parameter.toLowerCase(Locale.ROOT).startsWith(SIGNATURE_PARAMETER))
                .collect(Collectors.joining("&"));
        return kept.isEmpty() ? url.substring(0, query) : url.substring(0, query + 1) + kept;
    }
}
