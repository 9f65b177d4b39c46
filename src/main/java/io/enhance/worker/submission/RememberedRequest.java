package io.enhance.worker.submission;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.intake.SourceImage;

/**
 * What a submit attempt is remembered by: the body as sent, committed before the POST leaves, and its
 * fingerprint, equal for attempts that ask for the very same thing (whose tasks are interchangeable).
 */
final class RememberedRequest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SIGNATURE_PARAMETER = "x-amz-";

    private RememberedRequest() {
    }

    /**
     * The body as it is remembered. The URL the worker made of an {@code s3://} source (presigned, or
     * uploaded) loses its signature ({@code X-Amz-*} parameters), which changes with every attempt;
     * any other URL is kept whole, because its query may be what tells two images apart.
     */
    static Map<String, Object> of(Map<String, Object> body, boolean sourceFromS3) {
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
