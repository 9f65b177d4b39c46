package io.enhance.worker.tracking;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Webhooks on: the worker gives WaveSpeed a callback URL on a known port; polling slows to a 60 s safety net. Flagged
 * outputs are held for review ({@code FlaggedOutputsHeldTest}); only prompts holding the emulator's flag word are flagged.
 */
public class WebhooksOn implements QuarkusTestProfile {

    public static final int PORT = 18181;
    static final int SAFETY_NET_POLL_SECONDS = 60;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.http.test-port", String.valueOf(PORT),
                "wavespeed.webhook-url", "http://127.0.0.1:" + PORT,
                "wavespeed.webhook-poll-delay", SAFETY_NET_POLL_SECONDS + "s",
                "wavespeed.max-in-flight", "250",
                "s3.flagged-outputs", "hold");
    }
}
