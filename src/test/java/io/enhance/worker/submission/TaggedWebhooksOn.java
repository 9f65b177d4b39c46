package io.enhance.worker.submission;

import java.util.Map;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Webhooks on, on a port of this checkout's own (so that two checkouts can test side by side), with a
 * short safety-net poll so that faulty polls still happen; the API key counts as the worker's alone.
 */
public class TaggedWebhooksOn implements QuarkusTestProfile {

    static final int PORT = 18300 + Math.floorMod(EmbeddedServices.NAMESPACE.hashCode(), 500);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.http.test-port", String.valueOf(PORT),
                "wavespeed.webhook-url", "http://127.0.0.1:" + PORT,
                "wavespeed.webhook-poll-delay", "300ms",
                "wavespeed.exclusive-api-key", "true");
    }
}
