package io.enhance.worker.batches;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The worker uploads sources itself, so a missing source object fails its job before any submission:
 * a failure that left no paid task behind.
 */
public class UploadedSources implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("wavespeed.upload-sources", "true");
    }
}
