package io.enhance.worker.tracking;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks WaveSpeed's webhook signature: {@code webhook-signature: v3,<hex>}, the lowercase hex
 * HMAC-SHA256 of {@code "{webhook-id}.{webhook-timestamp}.{raw body}"} keyed with the secret
 * without its {@code whsec_} prefix, as UTF-8 bytes. Unlike Standard Webhooks, the key is not
 * base64-decoded, which is why no Standard Webhooks library can do this.
 */
public final class WebhookSignatures {

    public static final Duration TOLERANCE = Duration.ofSeconds(300);
    /** The problem of a well-formed, fresh delivery signed with another secret. */
    public static final String MISMATCH = "signature does not match";
    private static final String SECRET_PREFIX = "whsec_";
    private static final String VERSION = "v3,";

    private WebhookSignatures() {
    }

    /** What is wrong with a delivery, or empty when its signature is genuine and fresh. */
    public static Optional<String> problem(String secret, String id, String timestamp, String signatures, byte[] body,
            Instant now) {
        if (isBlank(id) || isBlank(timestamp) || isBlank(signatures)) {
            return Optional.of("missing webhook-id, webhook-timestamp or webhook-signature header");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Optional.of("webhook-timestamp is not a Unix time");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > TOLERANCE.toSeconds()) {
            return Optional.of("webhook-timestamp is more than " + TOLERANCE.toSeconds() + " s from now");
        }
        byte[] expected = sign(secret, id, seconds, body).getBytes(StandardCharsets.US_ASCII);
        // several signatures may be sent, separated by spaces, while a secret is being rotated
        for (String candidate : signatures.trim().split(" +")) {
            if (candidate.startsWith(VERSION) && MessageDigest.isEqual(expected,
                    candidate.substring(VERSION.length()).getBytes(StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
        }
        return Optional.of(MISMATCH);
    }

    /** The lowercase hex signature (without the {@code v3,} label). */
    static String sign(String secret, String id, long timestamp, byte[] body) {
        String key = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
