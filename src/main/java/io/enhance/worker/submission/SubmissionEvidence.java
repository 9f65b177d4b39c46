package io.enhance.worker.submission;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.wavespeed.History;

/**
 * What a submit attempt is remembered by, and what WaveSpeed's history says it did when its answer
 * never arrived. A listed prediction whose request equals the attempt's, and that no job owns yet,
 * is the attempt's task; only a complete listing without one proves that nothing was created.
 */
final class SubmissionEvidence {

    /** The history's verdict on one attempt. */
    sealed interface Verdict {

        record Created(String predictionId) implements Verdict {
        }

        record NotCreated() implements Verdict {
        }

        record Undecided(String why) implements Verdict {
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** WaveSpeed may list the seed it drew in place of "random". */
    private static final int RANDOM_SEED = -1;

    private SubmissionEvidence() {
    }

    /** The body as it is remembered: the image URL without its query, which holds a short-lived signature. */
    static Map<String, Object> remembered(Map<String, Object> body) {
        Map<String, Object> remembered = new LinkedHashMap<>(body);
        remembered.computeIfPresent("image", (name, url) -> withoutQuery(url.toString()));
        return remembered;
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

    static Verdict judge(Map<String, Object> remembered, History history, Set<String> ownedByJobs) {
        Optional<History.Entry> match = history.entries().stream()
                .filter(entry -> !ownedByJobs.contains(entry.id()))
                .filter(entry -> entry.input().map(input -> sameRequest(remembered, input)).orElse(false))
                .findFirst();
        if (match.isPresent()) {
            return new Verdict.Created(match.get().id());
        }
        if (!history.complete()) {
            return new Verdict.Undecided("WaveSpeed's history for that time is too long to search to the end");
        }
        long unreadable = history.entries().stream()
                .filter(entry -> !ownedByJobs.contains(entry.id()) && entry.input().isEmpty()).count();
        if (unreadable > 0) {
            return new Verdict.Undecided(unreadable + " prediction(s) in WaveSpeed's history for that time do not show their request");
        }
        return new Verdict.NotCreated();
    }

    /**
     * Image and prompt must be listed and equal; every other sent field must be equal where the
     * listing shows it, as a number, string or flag (a drawn seed stands in for a random one).
     */
    private static boolean sameRequest(Map<String, Object> remembered, JsonNode input) {
        if (!input.path("image").isTextual() || !input.path("prompt").isTextual()) {
            return false;
        }
        for (Map.Entry<String, Object> field : remembered.entrySet()) {
            JsonNode listed = input.get(field.getKey());
            Object sent = field.getValue();
            boolean randomSeed = field.getKey().equals("seed") && sent instanceof Number seed
                    && seed.intValue() == RANDOM_SEED;
            if (listed == null || listed.isNull() || randomSeed) {
                continue;
            }
            if (!equal(field.getKey(), sent, listed)) {
                return false;
            }
        }
        return true;
    }

    private static boolean equal(String name, Object sent, JsonNode listed) {
        if (sent instanceof Number number) {
            return listed.isNumber() && new BigDecimal(number.toString()).compareTo(listed.decimalValue()) == 0;
        }
        if (sent instanceof Boolean flag) {
            return listed.isBoolean() && listed.booleanValue() == flag;
        }
        String text = String.valueOf(sent);
        return listed.isTextual() && (name.equals("image") ? withoutQuery(listed.asText()) : listed.asText()).equals(text);
    }

    private static String withoutQuery(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }
}
