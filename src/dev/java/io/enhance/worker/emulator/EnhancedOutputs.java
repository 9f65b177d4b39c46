package io.enhance.worker.emulator;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Enhances a source image for a request. With {@link EmulatorSettings#getCacheOutputs()} the bytes made
 * for the same source bytes, strength, seed and format are answered again instead: a request without a
 * seed then gets the output of the first random seed drawn, which is as valid an answer as any other.
 */
final class EnhancedOutputs {

    private final EmulatorSettings settings;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    EnhancedOutputs(EmulatorSettings settings) {
        this.settings = settings;
    }

    byte[] enhance(byte[] source, SubmitRequest request) throws PredictionFailure, IOException {
        if (!settings.getCacheOutputs()) {
            return enhanceNow(source, request);
        }
        String key = sha256(source) + "/" + request.strength() + "/" + request.seed() + "/" + request.outputFormat();
        byte[] cached = cache.get(key);
        if (cached == null) {
            // two first requests may both enhance; the first stored wins, so every answer is the same
            byte[] made = enhanceNow(source, request);
            cached = Objects.requireNonNullElse(cache.putIfAbsent(key, made), made);
        }
        return cached;
    }

    private static byte[] enhanceNow(byte[] source, SubmitRequest request) throws PredictionFailure, IOException {
        long seed = request.seed() >= 0 ? request.seed() : ThreadLocalRandom.current().nextLong(0, Integer.MAX_VALUE + 1L);
        return ImageEnhancer.enhance(SourceImageFetcher.decode(source), request.strength(), seed, request.outputFormat());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
