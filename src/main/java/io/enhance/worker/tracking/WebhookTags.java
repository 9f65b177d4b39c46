package io.enhance.worker.tracking;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.enhance.worker.config.WaveSpeedConfig;

/**
 * Tags a submission's callback URL with its job and attempt, and a MAC over both, so that a webhook
 * binds its prediction to the attempt even when the POST's answer was lost. The key is derived from
 * the API key, which only the worker holds, so a tag cannot be forged; it is never logged.
 */
@ApplicationScoped
public class WebhookTags {

    /** A verified tag: the job (its database id) and the attempt whose callback URL it was. */
    public record Tag(long job, int attempt) {
    }

    private static final String PURPOSE = "enhance-worker webhook tag v1:";

    private final byte[] key;

    WebhookTags(WaveSpeedConfig config) {
        this.key = config.apiKey().filter(apiKey -> !apiKey.isBlank())
                .map(apiKey -> sha256(PURPOSE + apiKey))
                // only without an API key (an emulator that accepts any): tags then hold for this process only
                .orElseGet(WebhookTags::randomKey);
    }

    /** The query that tags a callback URL: {@code job=<id>&attempt=<n>&tag=<mac>}. */
    public String query(long job, int attempt) {
        return "job=" + job + "&attempt=" + attempt + "&tag=" + mac(job, attempt);
    }

    /**
     * Empty when no tag was given; a tag when all three parameters are given and the MAC is genuine.
     *
     * @throws IllegalArgumentException when a tag is given but incomplete, malformed or forged
     */
    public Optional<Tag> verify(String job, String attempt, String tag) {
        if (job == null && attempt == null && tag == null) {
            return Optional.empty();
        }
        try {
            Tag parsed = new Tag(Long.parseLong(job), Integer.parseInt(attempt));
            byte[] expected = mac(parsed.job(), parsed.attempt()).getBytes(StandardCharsets.US_ASCII);
            if (tag != null && MessageDigest.isEqual(expected, tag.getBytes(StandardCharsets.US_ASCII))) {
                return Optional.of(parsed);
            }
        } catch (NumberFormatException e) {
            // refused below, like a forged tag
        }
        throw new IllegalArgumentException("webhook tag does not match");
    }

    private String mac(long job, int attempt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((job + "." + attempt).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] randomKey() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random); // generateSeed may block on an idle machine's entropy
        return random;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
