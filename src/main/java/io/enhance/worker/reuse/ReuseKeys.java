package io.enhance.worker.reuse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The identity of what a job asks for: SHA-256 over its model parameters (seed, output format and all, the
 * image reference left out) and the identity of its source's content. Two jobs with the same key get the same
 * outputs, so the second may be served with copies of the first's. A random seed ({@code -1}) has no key: its
 * outputs differ every time.
 */
public final class ReuseKeys {

    /** The request's {@code reuse}: never served with another job's outputs. */
    public static final String OFF = "off";
    /** The request's {@code reuse}: its http(s) URL is promised to name content that never changes. */
    public static final String BY_URL = "by_url";
    /** The seed that asks for a random one. */
    private static final long RANDOM_SEED = -1;

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private ReuseKeys() {
    }

    /** A source read by the worker: the SHA-256 (hex) of its bytes. */
    public static String ofBytes(String sha256) {
        return "sha256:" + sha256;
    }

    /** An {@code s3://} source: its ETag (quotes removed) and size, as a HeadObject reports them. */
    public static String ofS3Object(String etag, long size) {
        return "s3-etag:" + etag.replace("\"", "") + ":" + size;
    }

    /** An http(s) source under {@code reuse: "by_url"}: the URL itself. */
    public static String ofUrl(String url) {
        return "url:" + url;
    }

    /** The digest ({@code SHA-256} or {@code MD5}) of everything {@code bytes} holds, in lowercase hex; closes it. */
    public static String hexDigest(String algorithm, InputStream bytes) throws IOException {
        try (InputStream in = bytes) {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), digest));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(algorithm + " is not a digest every JDK has", e);
        }
    }

    /** The key of {@code input} with a source of {@code sourceIdentity}; empty for a random seed. */
    public static Optional<String> of(Map<String, Object> input, String sourceIdentity) {
        if (!(input.get("seed") instanceof Number seed) || seed.longValue() == RANDOM_SEED) {
            return Optional.empty();
        }
        Map<String, Object> parameters = new TreeMap<>(input);
        parameters.remove("image");
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(CANONICAL.writeValueAsBytes(parameters));
            sha256.update((byte) '\n');
            sha256.update(sourceIdentity.getBytes(StandardCharsets.UTF_8));
            return Optional.of(HexFormat.of().formatHex(sha256.digest()));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("stored parameters always serialise, and SHA-256 is part of every JDK", e);
        }
    }
}
