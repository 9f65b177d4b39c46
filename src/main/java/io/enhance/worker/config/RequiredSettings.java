package io.enhance.worker.config;

import java.util.ArrayList;
import java.util.List;

/** A production worker never falls back to the emulator or a local store: it names what is missing and stops. */
final class RequiredSettings {

    private RequiredSettings() {
    }

    static void check(LocalModeConfig local, WaveSpeedConfig wavespeed, S3Config s3) {
        List<String> missing = new ArrayList<>();
        if (!local.emulator() && wavespeed.apiKey().filter(key -> !key.isBlank()).isEmpty()) {
            missing.add("WAVESPEED_API_KEY (the WaveSpeed API key)");
        }
        if (!local.s3Store()) {
            if (s3.bucket().isEmpty()) {
                missing.add("S3_BUCKET (the default output bucket)");
            }
            if (s3.region().isEmpty() && System.getenv("AWS_REGION") == null
                    && System.getProperty("aws.region") == null) {
                missing.add("S3_REGION or AWS_REGION (the S3 region)");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("enhance-worker cannot start: missing " + String.join(", ", missing)
                    + ". For a local run with the built-in emulator and S3 store, use the 'demo' command"
                    + " or the 'local' profile of the development build (see README).");
        }
    }
}
