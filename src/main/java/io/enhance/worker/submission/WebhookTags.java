package io.enhance.worker.submission;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.enhance.worker.config.WaveSpeedConfig;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Tags a submission's callback URL with its job and attempt, and a MAC over both, so that a webhook
 * binds its prediction to the attempt even when the POST's answer was lost. The key is a random secret
 * that the workers sharing the database generate once and keep ({@code worker_secrets}): it cannot be
 * forged from outside, it is never logged, and unlike a key derived from the API key it survives a key
 * rotation, so predictions in flight across a redeploy with a new key still report back. Tags made
 * before it existed, keyed by the API key, are still accepted while that key is unchanged.
 */
@ApplicationScoped
public class WebhookTags {

    /** A verified tag: the job (its database id) and the attempt whose callback URL it was. */
    public record Tag(long job, int attempt) {
    }

    static final String SECRET_NAME = "webhook-tag-key";
    private static final String LEGACY_PURPOSE = "enhance-worker webhook tag v1:";

    private final Optional<byte[]> legacyKey;
    private volatile byte[] key;

    WebhookTags(WaveSpeedConfig config) {
        this.legacyKey = config.apiKey().filter(apiKey -> !apiKey.isBlank()).map(apiKey -> sha256(LEGACY_PURPOSE + apiKey));
    }

    /** The query that tags a callback URL: {@code job=<id>&attempt=<n>&tag=<mac>}. */
    public String query(long job, int attempt) {
        return "job=" + job + "&attempt=" + attempt + "&tag=" + mac(key(), job, attempt);
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
            byte[] given = tag == null ? new byte[0] : tag.getBytes(StandardCharsets.US_ASCII);
            for (byte[] candidate : keys()) {
                if (MessageDigest.isEqual(mac(candidate, parsed.job(), parsed.attempt()).getBytes(StandardCharsets.US_ASCII), given)) {
                    return Optional.of(parsed);
                }
            }
        } catch (NumberFormatException e) {
            // refused below, like a forged tag
        }
        throw new IllegalArgumentException("webhook tag does not match");
    }

    private List<byte[]> keys() {
        return legacyKey.map(legacy -> List.of(key(), legacy)).orElseGet(() -> List.of(key()));
    }

    /** The shared key, made by whichever worker needs it first and read by all the others. */
    private byte[] key() {
        byte[] known = key;
        if (known == null) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh); // generateSeed may block on an idle machine's entropy
            known = QuarkusTransaction.requiringNew().call(() -> {
                Panache.getEntityManager().createNativeQuery("""
                        insert into worker_secrets (name, value, created_at) values (?1, ?2, ?3) on conflict (name) do nothing""")
                        .setParameter(1, SECRET_NAME).setParameter(2, fresh).setParameter(3, Instant.now()).executeUpdate();
                return (byte[]) Panache.getEntityManager().createNativeQuery("select value from worker_secrets where name = ?1")
                        .setParameter(1, SECRET_NAME).getSingleResult();
            });
            key = known;
        }
        return known;
    }

    private static String mac(byte[] key, long job, int attempt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((job + "." + attempt).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
