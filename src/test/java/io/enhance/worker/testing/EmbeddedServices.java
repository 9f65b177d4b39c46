package io.enhance.worker.testing;

import java.util.Map;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.WaveSpeedEmulator;
import io.enhance.worker.local.EmbeddedS3Store;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The outside systems that have no real counterpart here: the WaveSpeed emulator and an in-memory
 * S3 store, on free ports. PostgreSQL and RabbitMQ are the real local servers.
 */
public class EmbeddedServices implements QuarkusTestResourceLifecycleManager {

    public static final String API_KEY = "test-key";
    public static final String S3_ACCESS_KEY = "test";
    public static final String S3_SECRET_KEY = "test-secret-key";

    /** Names this checkout's schema and queues (system property {@code enhance.test-namespace}, as in the test profile). */
    public static final String NAMESPACE = System.getProperty("enhance.test-namespace", "test");
    private static final String TEST_REQUESTS = NAMESPACE + ".enhance.requests";
    private static final String TEST_EVENTS_EXCHANGE = NAMESPACE + ".enhance.events";
    /** The emulator's inference time in tests, between these bounds (ms). */
    public static final long MIN_LATENCY_MS = 100;
    public static final long MAX_LATENCY_MS = 400;
    private static WaveSpeedEmulator emulator;
    private static EmbeddedS3Store store;

    @Override
    public Map<String, String> start() {
        emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                .setApiKey(API_KEY)
                .setMinLatencyMs(MIN_LATENCY_MS)
                .setMaxLatencyMs(MAX_LATENCY_MS));
        store = EmbeddedS3Store.inMemory(0, S3_ACCESS_KEY, S3_SECRET_KEY);
        TestS3.connect(store.endpoint()).createBuckets("enhanced", TestS3.SOURCES_BUCKET);
        // declared afresh by the worker, so that their arguments always match the test profile's
        try (TestBroker broker = TestBroker.listeningTo(TEST_EVENTS_EXCHANGE)) {
            broker.deleteQueues(TEST_REQUESTS, TEST_REQUESTS + ".dlq");
        } catch (Exception e) {
            throw new IllegalStateException("RabbitMQ is needed for the tests", e);
        }
        return Map.of(
                "wavespeed.base-url", emulator.baseUrl(),
                "s3.endpoint", store.endpoint().toString());
    }

    @Override
    public void stop() {
        emulator.close();
        store.close();
    }

    public static WaveSpeedEmulator emulator() {
        return emulator;
    }

    public static TestS3 s3() {
        return TestS3.connect(store.endpoint());
    }
}
